/**
 * bunq's limits that the client, the failure poller and the simulator all keep to: one definition each, so
 * the simulator refuses exactly what the client would never send.
 */

/**
 * bunq's maximum page size: `?count=` defaults to 10 and takes at most 200 (bunq's API docs, "Pagination").
 */
export const MAX_PAGE_SIZE = 200;

/**
 * bunq's maximum number of failure ids in one retry call, `POST /user/{userID}/notification-filter-failure`
 * (the partner OpenAPI spec: "Maximum of 100 IDs allowed per request"; more answer 400).
 */
export const MAX_RETRY_IDS_PER_CALL = 100;
