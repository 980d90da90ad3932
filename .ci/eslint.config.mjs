// ESLint flat config for `npm run lint` (kept under .ci/: the repo root holds no tool configs).
// typescript-eslint's recommended rules on every TypeScript file, without type information so the
// run stays fast; `tsc --noEmit` (npm run typecheck) does the type checking.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Dependencies in app/src run one way: api -> console -> serving -> features/model/store/registry/domain/config,
// worker -> serving. Each entry: the folders whose files it covers, the app/src folders they must not
// import, and why. Specifiers are matched as written (relative), at any depth of `../`.
const LAYERS = [
  {
    layer: "serving",
    forbidden: ["api", "worker", "trainer", "console"],
    why: "serving is shared by the API and the worker and sits below both",
  },
  {
    layer: "console",
    forbidden: ["api", "worker", "trainer"],
    why: "the analyst console is mounted by the API and reaches labels and scoring through serving/",
  },
  { layer: "worker", forbidden: ["api", "trainer"], why: "the worker reaches scoring through serving/" },
  {
    layer: "api",
    forbidden: ["worker", "trainer"],
    why: "the API reaches scoring through serving/; its entry point injects the trainer's bootstrap",
  },
  ...["features", "store", "registry", "config"].map((layer) => ({
    layer,
    forbidden: ["serving", "api", "worker", "trainer", "console"],
    why: `${layer}/ is below serving/; take what it needs as a parameter instead`,
  })),
  // registry/ loads models (it checks the model.json it stores), so model/ must not know the registry
  { layer: "model", forbidden: ["registry", "serving", "api", "worker", "trainer"], why: "model/ is below registry/" },
  {
    layer: "domain",
    forbidden: ["features", "model", "store", "registry", "config", "serving", "api", "worker", "trainer"],
    why: "domain/ holds shared words and imports nothing of the app",
  },
];

const importDirection = LAYERS.map(({ layer, forbidden, why }) => ({
  files: [`app/src/${layer}/**/*.ts`],
  // Tests and their harnesses follow the rule of the folder they sit in; tests of the assembled
  // services live in app/src/e2e/, which is no layer. The benchmark tools wire several layers
  // together on purpose; the entry point main.ts composes the API with the trainer's bootstrap.
  ignores: ["app/src/api/bench/**", "app/src/api/main.ts"],
  rules: {
    "no-restricted-imports": [
      "error",
      { patterns: [{ regex: `^(\\.\\./)+(${forbidden.join("|")})(/|$)`, message: `upward import: ${why}.` }] },
    ],
  },
}));

// The Pulumi side. infra/ holds the components, each taking its own Args; stacks/ is the program that
// reads the stack's config and composes them, so infra/ never imports stacks/. Both read the app
// only through app/src/config/: the deploy contract (env names, ports, paths, topics, metric names)
// and ConfigError. The policy pack (policies/) is its own package, loaded by the Pulumi CLI from its
// folder: it imports nothing outside it, and nothing deployed imports it. Tests follow the rule of
// the folder they sit in.
const UP = "^(\\.\\./)+";
const STACKS = { regex: `${UP}stacks(/|$)`, message: "infra/ must not import stacks/: a component takes its own Args." };
const POLICIES = { regex: `${UP}policies(/|$)`, message: "the policy pack is its own package: nothing deployed imports it." };
const appExcept = (allowed) => ({
  regex: `${UP}app(/(?!src/(${allowed.join("|")})(/|$))|$)`,
  message: "the Pulumi side reads the app only through app/src/config/ (the deploy contract, ConfigError).",
});
const INFRA_APP = ["config"];
const pulumiImports = [
  {
    files: ["infra/**/*.ts"],
    ignores: ["infra/**/*.test.ts", "infra/testing/**"],
    patterns: [STACKS, appExcept(INFRA_APP), POLICIES],
  },
  // The alert and dashboard tests check that every metric they query is one the app registers.
  { files: ["infra/**/*.test.ts"], patterns: [STACKS, appExcept([...INFRA_APP, "serving/metrics"]), POLICIES] },
  // The offline harness runs the whole program (stacks/program.ts) for the tests and `npm run plan`.
  { files: ["infra/testing/**/*.ts"], patterns: [appExcept(["config"]), POLICIES] },
  { files: ["stacks/**/*.ts"], patterns: [appExcept(["config"]), POLICIES] },
  // The pack's tests run it against the program through infra/testing/harness.ts.
  {
    files: ["policies/**/*.ts"],
    ignores: ["policies/test/**"],
    patterns: [
      { regex: `${UP}(app|infra|stacks)(/|$)`, message: "the policy pack is its own package: it imports nothing outside policies/." },
    ],
  },
].map(({ files, ignores = [], patterns }) => ({ files, ignores, rules: { "no-restricted-imports": ["error", { patterns }] } }));

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // Unused names are already errors in tsc (noUnusedLocals/Parameters); `_` marks intentional ones.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Tests and test harnesses handle untyped wire data (Pulumi RPC structs, mock state) and use
    // vitest fixtures (`async ({}, use) => ...`); the strictness stays on shipped code.
    files: ["**/*.test.ts", "**/*.spec.ts", "**/testing/**/*.ts", "policies/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "no-empty-pattern": "off",
      "preserve-caught-error": "off",
    },
  },
  ...importDirection,
  ...pulumiImports,
);
