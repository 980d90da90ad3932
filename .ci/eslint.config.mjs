// ESLint flat config for `npm run lint` (kept under .ci/: the repo root holds no tool configs).
// typescript-eslint's recommended rules on every TypeScript file, without type information so the
// run stays fast; `tsc --noEmit` (npm run typecheck) does the type checking.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
);
