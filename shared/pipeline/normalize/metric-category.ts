/**
 * The `category` dimension of the normalizer's metrics. Categories are an open set and the body names them,
 * so a metric dimension taken verbatim would let anyone holding the token create custom metrics at will
 * (3,000 invented categories made 3,000 metrics, each billed). Events keep the category as sent; metrics
 * count the documented ones by name and every other one as {@link OTHER_CATEGORY}.
 */
import { isKnownCategory, type KnownCategory } from '../../bunq/callback/categories';

/** The dimension value of every category bunq does not document. */
export const OTHER_CATEGORY = 'OTHER';

/** The metric dimension value for a callback's category: the category when bunq documents it, else `OTHER`. */
export function metricCategory(category: string): KnownCategory | typeof OTHER_CATEGORY {
  return isKnownCategory(category) ? category : OTHER_CATEGORY;
}
