/**
 * The Pulumi program's entry point (Pulumi.yaml `main`). The language host calls the exported
 * function and exports what it returns as the stack outputs (see infra/outputs.ts).
 */
import { program } from "./program";

export = program;
