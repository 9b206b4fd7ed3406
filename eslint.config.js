// Flat config: typescript-eslint's recommended rules on every package's sources.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "var/**", "data/**", "**/.scratch/**"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // A generator function or class made per call (a nested function*, a generator method of an object literal made
    // inside a function, a class declared inside one) gets an initial map of its own when it first makes an object.
    // V8 keeps maps in the old space, and the map points back to the function, so to the call's closure: all that the
    // closure held outlived the young collections and waited for a full one. A cone's query promoted about 12 KB per
    // request this way, and the Mark-Compacts that cleared it set the DuckDB cones' p99 (docs/performance.md, issue 15,
    // sixth session). Generators and classes are module-level, and take their state as arguments or fields.
    files: ["packages/*/src/**/*.ts"],
    ignores: ["**/*.test.ts", "**/test-support/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: ":function :matches(FunctionExpression, FunctionDeclaration)[generator=true], :function :matches(ClassDeclaration, ClassExpression)",
          message: "A generator or class made per call keeps the call's closure until a full GC (its initial map, in V8's old space, points back to it): make it module-level, or a method of a module-level class.",
        },
      ],
    },
  },
  {
    // Chevrotain's values come from its one-file build (packages/adql-compiler/src/parser/chevrotain.ts): its entry
    // point loads lodash-es's 600 modules, a third of a second at every start. Types may still come from the package.
    files: ["packages/*/src/**/*.ts"],
    ignores: ["packages/adql-compiler/src/parser/chevrotain.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { paths: [{ name: "chevrotain", allowTypeImports: true, message: "Import Chevrotain's values from adql-compiler's parser/chevrotain.ts (its one-file build)." }] },
      ],
    },
  },
);
