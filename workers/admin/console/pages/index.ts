/** Every console page, in the order their routes are registered. */
import type { PageRegistrar } from "../console";
import { auditPages } from "./audit";
import { bulkPages } from "./bulk";
import { dashboardPages } from "./dashboard";
import { directoryPages } from "./directory";
import { flashSalePages } from "./flash-sales";
import { metricsPages } from "./metrics";
import { operationPages } from "./operations";
import { orderSlotPages } from "./order-slots";
import { orderPages } from "./orders";
import { productPages } from "./products";
import { promotionPages } from "./promotions";
import { refundPages } from "./refunds";
import { shopSettingsPages } from "./shop-settings";

export const CONSOLE_PAGES: ((register: PageRegistrar) => void)[] = [
  dashboardPages,
  productPages,
  bulkPages,
  orderPages,
  refundPages,
  promotionPages,
  flashSalePages,
  shopSettingsPages,
  auditPages,
  operationPages,
  metricsPages,
  orderSlotPages,
  directoryPages,
];
