import { ProviderError } from "../errors.js";

/** Parse a provider's JSON answer; a body that is not JSON is the provider's fault, said as such. */
export function parseJson(
  text: string,
  context: { provider?: string; what?: string | undefined } = {},
): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ProviderError(
      `${context.what ?? "The response"} from ${context.provider ?? "the provider"} is not valid JSON`,
      { cause: err, provider: context.provider, bodyExcerpt: text.slice(0, 200) },
    );
  }
}
