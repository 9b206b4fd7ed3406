/**
 * Reads the IVOA ADQL conformance corpus (lyonetia) from ../shared: every <query> with its uuid,
 * ADQL text, validity, and the user-defined functions declared for it (file-level and query-level
 * <functions>, as queries.xsd describes).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export interface CorpusQuery {
  readonly file: string;
  readonly uuid: string;
  /** `folder/file.xml#uuid`: uuids are not unique across files (and one is empty). */
  readonly key: string;
  readonly adql: string;
  readonly valid: boolean;
  readonly version: string;
  readonly description: string;
  /** TAPRegExt `form`s of the UDFs declared for this query. */
  readonly functionForms: readonly string[];
}

/** ../shared/conformance/lyonetia, relative to the repository root. */
export const CORPUS_DIR = fileURLToPath(new URL("../../../../../../shared/conformance/lyonetia/", import.meta.url));

export const CORPUS_FOLDERS = ["ivoa", "gavo", "roe"] as const;

export function corpusAvailable(): boolean {
  return existsSync(CORPUS_DIR);
}

/** Character data: CDATA sections verbatim, entities decoded elsewhere. */
function decode(text: string): string {
  return text.split(/(<!\[CDATA\[[\s\S]*?\]\]>)/).map((part) =>
    part.startsWith("<![CDATA[")
      ? part.slice(9, -3)
      : part.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'")
        .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
        .replace(/&#x([0-9a-fA-F]+);/g, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
        .replace(/&amp;/g, "&"),
  ).join("");
}

function forms(xml: string): string[] {
  return [...xml.matchAll(/<form>([\s\S]*?)<\/form>/g)].map((m) => decode(m[1]!).trim());
}

export function loadCorpus(): CorpusQuery[] {
  const out: CorpusQuery[] = [];
  for (const folder of CORPUS_FOLDERS) {
    const dir = join(CORPUS_DIR, folder);
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".xml")).sort()) {
      const xml = readFileSync(join(dir, name), "utf8").replace(/<!--[\s\S]*?-->/g, "");
      const firstQuery = xml.search(/<query[\s>]/);
      const head = firstQuery < 0 ? xml : xml.slice(0, firstQuery);
      const fileForms = forms(head);
      for (const m of xml.matchAll(/<query\s+uuid=["']([^"']*)["']\s*>([\s\S]*?)<\/query>/g)) {
        const body = m[2]!;
        const adql = /<adql([^>]*)>([\s\S]*?)<\/adql>/.exec(body);
        if (!adql) throw new Error(`${folder}/${name}: query ${m[1]} has no <adql>`);
        const attrs = adql[1]!;
        const desc = /<description>([\s\S]*?)<\/description>/.exec(body);
        out.push({
          file: `${folder}/${name}`,
          uuid: m[1]!,
          key: `${folder}/${name}#${m[1] || `query-${out.length}`}`,
          adql: decode(adql[2]!),
          valid: /valid\s*=\s*["']true["']/.test(attrs),
          version: /version\s*=\s*["']([^"']*)["']/.exec(attrs)?.[1] ?? "adql-2.1",
          description: desc ? decode(desc[1]!).trim() : "",
          functionForms: [...fileForms, ...forms(body.slice(0, adql.index))],
        });
      }
    }
  }
  return out;
}
