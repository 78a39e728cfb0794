/** Every table, for drizzle-kit and for `drizzle(db, { schema })`. */
export * from "./catalog";
export * from "./discovery";
export * from "./feeds";
export * from "./flash-sales";
export * from "./fulfillment";
export * from "./imports";
export * from "./ledger";
export * from "./operations";
export * from "./order-shards";
export * from "./orders";
export * from "./payments";
export * from "./platform";
export * from "./promotions";
export * from "./refunds";
export * from "./search-facets";
export * from "./search-rebuild";
export * from "./users";
