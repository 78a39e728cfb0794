/** Every console page, in the order their routes are registered. */
import type { PageRegistrar } from "../console";
import { dashboardPages } from "./dashboard";

export const CONSOLE_PAGES: ((register: PageRegistrar) => void)[] = [dashboardPages];
