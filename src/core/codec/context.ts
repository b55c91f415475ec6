/**
 * Who answered and to what, so a parse failure can say "s3 ListObjectsV2: ..." instead of a bare
 * "undefined is not an object" three stack frames later.
 */
export interface DocContext {
  /** Provider id, e.g. "s3". */
  readonly provider: string;
  /** The provider's operation name, e.g. "ListObjectsV2". */
  readonly operation: string;
}

/** "s3 ListObjectsV2": the prefix every codec error message starts with. */
export function contextLabel(context: DocContext): string {
  return `${context.provider} ${context.operation}`;
}
