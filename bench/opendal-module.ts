/**
 * Loading Apache OpenDAL's Node binding in a bench worker, typed by hand: the package is installed on
 * demand (opendal-binding.ts), not a dependency, so the type checker cannot see its own types.
 */

/** The part of OpenDAL's API the bench uses. */
export interface OpendalModule {
  Operator: new (
    scheme: string,
    options: Record<string, string>,
  ) => {
    write(path: string, data: Buffer): Promise<void>;
    writer(
      path: string,
      options: { chunk: bigint; concurrent: number },
    ): Promise<{ createWriteStream(): NodeJS.WritableStream }>;
    reader(
      path: string,
    ): Promise<{ createReadStream(options: { highWaterMark: number }): NodeJS.ReadableStream }>;
    lister(
      path: string,
      options: { recursive: boolean; limit?: number },
    ): Promise<{
      next(): Promise<{ path(): string } | null>;
    }>;
  };
}

/** Import opendal (from a worker in the bench cache, where it is installed). */
export async function importOpendal(): Promise<OpendalModule> {
  // A variable specifier: the package is not a dependency, so the type checker must not look for it.
  const specifier = "opendal";
  return (await import(specifier)) as OpendalModule;
}
