/**
 * Turning the size, image and location names users write ("small", "debian-12") into the provider's
 * objects. An unknown name fails before the create with the closest names the provider has, so a typo
 * costs one listing, not a half-made server.
 */
import { InvalidInputError, isOmnicloudError, NotFoundError } from "../core/errors.js";
import { editDistance } from "../core/suggest.js";

/** How many listed entries are read when hunting for a name; image catalogues can be huge. */
const SCAN_LIMIT = 5000;
const SUGGESTIONS = 3;

interface Named {
  readonly provider: string;
  id: string;
  name: string;
}

/** The `n` candidates nearest to `wanted` (prefix matches first, then by edit distance), best first. */
export function closestMatches(wanted: string, candidates: Iterable<string>, n = SUGGESTIONS): string[] {
  const w = wanted.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  const seen = new Set<string>();
  for (const name of candidates) {
    if (seen.has(name)) continue;
    seen.add(name);
    const c = name.toLowerCase();
    const score = c.startsWith(w) || w.startsWith(c) ? 0.5 : editDistance(w, c);
    scored.push({ name, score });
  }
  const allowed = Math.max(3, Math.ceil(w.length / 2));
  return scored
    .filter((s) => s.score <= allowed)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, n)
    .map((s) => s.name);
}

/**
 * Find `ref` among `list`: an object passes through (after checking it is this provider's), a string
 * matches an id, then a name exactly, then a name in any letter case (when that is unambiguous).
 */
export async function resolveNamed<T extends Named>(
  provider: string,
  what: "size" | "image" | "location",
  ref: string | T,
  list: () => AsyncIterable<T>,
  lookup?: (id: string) => Promise<T>,
): Promise<T> {
  if (typeof ref === "object" && ref !== null) {
    if (ref.provider !== provider) {
      throw new InvalidInputError(
        `The ${what} "${ref.name}" belongs to provider "${ref.provider}", not "${provider}"`,
      );
    }
    return ref;
  }
  if (typeof ref !== "string" || ref === "") {
    throw new InvalidInputError(
      `A ${what} must be an id, a name or a ${what} object, not ${JSON.stringify(ref)}`,
    );
  }
  if (lookup) {
    try {
      return await lookup(ref);
    } catch (err) {
      if (!(err instanceof NotFoundError) && !(isOmnicloudError(err) && err.kind === "InvalidInput"))
        throw err;
    }
  }
  const names: string[] = [];
  const folded: T[] = [];
  let byName: T | undefined;
  let scanned = 0;
  for await (const item of list()) {
    if (item.id === ref) return item;
    if (byName === undefined && item.name === ref) byName = item;
    if (item.name.toLowerCase() === ref.toLowerCase()) folded.push(item);
    names.push(item.name, item.id);
    if (++scanned >= SCAN_LIMIT) break;
  }
  if (byName) return byName;
  const [single] = folded;
  if (folded.length === 1 && single) return single;
  const near = closestMatches(ref, names);
  const partial = scanned >= SCAN_LIMIT ? ` (only the first ${SCAN_LIMIT} were searched)` : "";
  throw new InvalidInputError(`Unknown ${what} "${ref}" for provider "${provider}"${partial}`, {
    provider,
    hint:
      near.length > 0
        ? `Closest matches: ${near.map((n) => `"${n}"`).join(", ")}`
        : `List them with list${what === "size" ? "Sizes" : what === "image" ? "Images" : "Locations"}()`,
  });
}
