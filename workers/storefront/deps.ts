/**
 * The storefront Worker's dependency builders: what its routes hand the domains, built from the
 * request's context in one place so route files neither repeat nor import each other for them.
 */
import type { AdmissionDeps } from "../../shared/flash-sales/admission";
import { flashQuota } from "../../shared/flash-sales/quota";
import type { OrderDeps } from "../../shared/orders/create-order";
import { orderStoreOf } from "../../shared/orders/order-store";
import type { OrderOpsDeps } from "../../shared/orders/orders";
import { orderSettingsSchema } from "../../shared/orders/settings";
import { type PaymentsEnv, paymentAdapters } from "../../shared/payments/adapters";
import type { PayDeps } from "../../shared/payments/pay";
import type { AppContext } from "../../shared/platform/app-env";
import { dbOf } from "../../shared/platform/db";
import { authEnvSchema, readEnv } from "../../shared/platform/env";
import { switchDepsOf } from "../../shared/platform/switches/guard";
import { type PromotionSettings, promotionSettingsSchema } from "../../shared/promotions/settings";
import type { AuthDeps, LoginDeps } from "../../shared/users/accounts";
import { passwordHasherOf } from "../../shared/users/password-hasher";
import type { StorefrontBindings } from "./app";
import { storefrontEnvSchema } from "./env";

/** Accounts' deps: the database, the clock and the token settings. */
export function authDeps(c: AppContext<StorefrontBindings>): AuthDeps {
  return { db: dbOf(c.env.DB), clock: c.var.clock, tokens: readEnv(authEnvSchema, c.env) };
}

/** Login's deps on top: the password hasher, the rate limiter and the per-client-IP login limit (a Worker var). */
export function loginDeps(c: AppContext<StorefrontBindings>): LoginDeps {
  const { LOGIN_IP_LIMIT_PER_MINUTE } = readEnv(storefrontEnvSchema, c.env);
  return {
    ...authDeps(c),
    passwords: passwordHasherOf(c.env.PASSWORD_HASHER),
    limiter: c.env.RATE_LIMITER,
    ipLimit: { limit: LOGIN_IP_LIMIT_PER_MINUTE, windowMs: 60_000 },
  };
}

/** What reading and cancelling orders needs: the database, producers, the SKU objects. */
export function orderOpsDeps(c: AppContext<StorefrontBindings>): OrderOpsDeps {
  return {
    db: dbOf(c.env.DB),
    orders: orderStoreOf(c.env, c.var.clock),
    clock: c.var.clock,
    producers: c.env,
    inventory: c.env.SKU_INVENTORY,
    log: c.var.log,
  };
}

/** COINS_MAX_PERCENT and COINS_EARN_PER_MAJOR, for quotes, orders and completing them. */
export function promotionSettings(c: AppContext<StorefrontBindings>): PromotionSettings {
  return readEnv(promotionSettingsSchema, c.env);
}

/** What creating an order needs on top: order numbers, the rate limiter, settings, the quote-token key. */
export function orderDeps(c: AppContext<StorefrontBindings>): OrderDeps {
  const tokens = readEnv(authEnvSchema, c.env);
  return {
    ...orderOpsDeps(c),
    orderNumbers: c.env.ORDER_NUMBERS,
    rateLimiter: c.env.RATE_LIMITER,
    settings: readEnv(orderSettingsSchema, c.env),
    promotions: promotionSettings(c),
    tokenKey: { secret: tokens.secret, issuer: tokens.issuer },
    flashQuota: flashQuota(c.env),
    log: c.var.log,
    waitUntil: (work) => c.executionCtx.waitUntil(work),
  };
}

/** What paying needs: the database, the providers this deployment has, and where they send the shopper back. */
export function payDeps(c: AppContext<StorefrontBindings>): PayDeps {
  const origin = new URL(c.req.url).origin;
  return {
    orders: orderStoreOf(c.env, c.var.clock),
    clock: c.var.clock,
    adapters: paymentAdapters(c.env as unknown as PaymentsEnv),
    log: c.var.log,
    returnUrlOf: (payOrderId) => `${origin}/v1/pay-orders/${payOrderId}`,
  };
}

/** What a flash-sale page and entry need: the campaign rows, its quota objects, the entry guard, the token key. */
export function admissionDeps(c: AppContext<StorefrontBindings>): AdmissionDeps {
  const tokens = readEnv(authEnvSchema, c.env);
  return {
    db: dbOf(c.env.DB),
    clock: c.var.clock,
    quota: flashQuota(c.env),
    guard: { switches: switchDepsOf(c), limiter: c.env.RATE_LIMITER, env: c.env },
    tokenKey: { secret: tokens.secret, issuer: tokens.issuer },
  };
}
