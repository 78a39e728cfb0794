/** Typed producers: a message is checked against its queue's schema before it is sent. */
import { AppError } from "../platform/errors";
import { QUEUE_MESSAGE_SCHEMAS, type QueueMessage } from "./messages";
import { QUEUES, type QueueBinding, type QueueName } from "./queues";

/** The producer bindings a Worker has; a Worker may have only some of them. */
export type Producers = Partial<Record<QueueBinding, Queue>>;

export interface PublishOptions {
  /** Deliver no earlier than this many seconds from now (max 43,200, Queues' limit). */
  delaySeconds?: number;
}

function producerOf(env: Producers, queue: QueueName): Queue {
  const binding = env[QUEUES[queue]];
  if (!binding) throw new Error(`this Worker has no producer binding ${QUEUES[queue]} for ${queue}`);
  return binding;
}

/** Sends one message to `queue` after validating it against that queue's schema. */
export async function publish<Q extends QueueName>(
  env: Producers,
  queue: Q,
  message: QueueMessage<Q>,
  options: PublishOptions = {},
): Promise<void> {
  const parsed = QUEUE_MESSAGE_SCHEMAS[queue].safeParse(message);
  if (!parsed.success) throw new Error(`refusing to publish an invalid ${queue} message: ${parsed.error.message}`);
  try {
    await producerOf(env, queue).send(parsed.data, { contentType: "json", ...options });
  } catch (cause) {
    throw new AppError("unavailable", { detail: "The event could not be queued; retry", cause, retryable: true });
  }
}

/** Queues' limit on the messages of one `sendBatch`. */
const SEND_BATCH_MAX = 100;

/**
 * Sends messages to `queue` in as few calls as Queues allows (one `sendBatch` per 100), each
 * validated against the queue's schema first and delayed by its own `delaySeconds`. All of a
 * call's messages are queued or none are.
 */
export async function publishAll<Q extends QueueName>(
  env: Producers,
  queue: Q,
  messages: readonly { message: QueueMessage<Q>; delaySeconds?: number }[],
): Promise<void> {
  const requests = messages.map(({ message, delaySeconds }) => {
    const parsed = QUEUE_MESSAGE_SCHEMAS[queue].safeParse(message);
    if (!parsed.success) throw new Error(`refusing to publish an invalid ${queue} message: ${parsed.error.message}`);
    return { body: parsed.data, contentType: "json" as const, ...(delaySeconds ? { delaySeconds } : {}) };
  });
  const producer = producerOf(env, queue);
  for (let i = 0; i < requests.length; i += SEND_BATCH_MAX) {
    try {
      await producer.sendBatch(requests.slice(i, i + SEND_BATCH_MAX));
    } catch (cause) {
      throw new AppError("unavailable", { detail: "The events could not be queued; retry", cause, retryable: true });
    }
  }
}

/** Sends an already-serialized body (a dead letter being replayed) to `queue` unchanged. */
export async function publishRaw(env: Producers, queue: QueueName, body: unknown): Promise<void> {
  await producerOf(env, queue).send(body, { contentType: "json" });
}
