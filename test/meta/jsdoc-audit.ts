/**
 * Lists exported declarations under src/ whose JSDoc lacks an `@example`.
 * The project rule (STYLE.md): every export has JSDoc with an example.
 */
import ts from 'typescript';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A missing-example finding. @example { file: 'src/x.ts', line: 3, name: 'foo' } */
export interface MissingExample {
  readonly file: string;
  readonly line: number;
  readonly name: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function hasExample(node: ts.Node): boolean {
  return (
    ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'example') ||
    // `export const x = …` keeps its JSDoc on the statement, not the declaration.
    (ts.isVariableDeclaration(node) &&
      ts.getJSDocTags(node.parent.parent).some((tag) => tag.tagName.text === 'example'))
  );
}

function declarationName(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  return named.name && ts.isIdentifier(named.name) ? named.name.text : '<default>';
}

/**
 * Scans `root` (a folder of TypeScript sources) for exports without `@example`.
 *
 * @example
 * const missing = findExportsWithoutExample('src');
 */
export function findExportsWithoutExample(root: string): MissingExample[] {
  const missing: MissingExample[] = [];
  for (const file of sourceFiles(root)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    // `export type X = t.TypeOf<typeof X>` is documented by its codec `X`.
    const documented = new Set<string>();
    const pending: { node: ts.Node; name: string }[] = [];
    for (const statement of source.statements) {
      if (!isExported(statement)) continue;
      const targets: ts.Node[] = ts.isVariableStatement(statement)
        ? [...statement.declarationList.declarations]
        : [statement];
      for (const node of targets) {
        if (hasExample(node)) documented.add(declarationName(node));
        else pending.push({ node, name: declarationName(node) });
      }
    }
    for (const { node, name } of pending) {
      if (ts.isTypeAliasDeclaration(node) && documented.has(name)) continue;
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      missing.push({ file, line: line + 1, name });
    }
  }
  return missing;
}
