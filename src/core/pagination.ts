/**
 * Pagination: every provider list as an AsyncIterable that follows the provider's real paging to the end.
 * `paginate` holds the rules; the `paginateBy*` helpers map each provider scheme onto it.
 */
export { findLink, type LinkValue, parseLinkHeader } from "./pagination/link-header.js";
export {
  DEFAULT_MAX_PAGES,
  type Page,
  type PageRequest,
  type PageResult,
  type Paginated,
  type PaginateOptions,
  paginate,
} from "./pagination/paginate.js";
export {
  type LinkListOptions,
  type LinkPage,
  type ListOptions,
  type MarkerListOptions,
  type MarkerPage,
  type NumberedPage,
  type OffsetListOptions,
  type OffsetPage,
  type PageNumberListOptions,
  paginateByLink,
  paginateByMarker,
  paginateByOffset,
  paginateByPageNumber,
  paginateByToken,
  type TokenListOptions,
  type TokenPage,
} from "./pagination/schemes.js";
