/**
 * A saga of steps with compensations (the seed's OrderCreationStep / OrderCreationManager): steps
 * run in order; when one fails, the compensations of the steps that completed run in reverse,
 * then the original error is rethrown. A compensation that itself fails is reported, not
 * swallowed: the saga's persisted row stays open and the sweeper finishes the undo.
 *
 * A step marked `pivot` is the point of no return (the order's atomic write): once it has
 * completed, the saga only moves forward. Steps after it must be recoverable without the runner
 * (the outbox sends what `publish_events` could not), so their failures are returned, not compensated.
 *
 * Hooks let tests fail any step (to check every earlier compensation ran) or "crash" the runner
 * at a step: a `SimulatedCrash` propagates without running compensations, as if the isolate had
 * died there, which is what the sweeper exists for.
 */

export interface Step<C> {
  name: string;
  run(ctx: C): Promise<void>;
  /** Undoes `run`; must be idempotent (it may run again from the sweeper). `cause`: why the saga failed. */
  compensate?(ctx: C, cause: unknown): Promise<void>;
  /** After this step completes nothing is undone. */
  pivot?: boolean;
}

export interface SagaHooks {
  /** Called before each step; throw to fail that step (or a `SimulatedCrash` to die there). */
  beforeStep?(name: string): void | Promise<void>;
  /** Called after each step that completed. */
  afterStep?(name: string): void | Promise<void>;
}

/** Stands for the isolate dying mid-saga (tests only): no compensation runs. */
export class SimulatedCrash extends Error {
  constructor(step: string) {
    super(`simulated crash at ${step}`);
    this.name = "SimulatedCrash";
  }
}

/**
 * A step whose outcome is unknown (its write may or may not have committed, and looking failed
 * too): the runner neither compensates nor goes on, exactly as if it had crashed there; the
 * sweeper's compare-and-set decides later.
 */
export class OutcomeUnknown extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`the outcome of ${step} is unknown`, { cause });
    this.name = "OutcomeUnknown";
  }
}

export class CompensationFailed extends Error {
  constructor(
    readonly step: string,
    readonly original: unknown,
    cause: unknown,
  ) {
    super(`compensating ${step} failed`, { cause });
    this.name = "CompensationFailed";
  }
}

export interface SagaResult {
  completed: string[];
  /** Failures of steps after the pivot: left for forward recovery, not undone. */
  forwardFailures: { step: string; error: unknown }[];
}

/** Runs `steps` over `ctx`; on failure before the pivot undoes the completed ones in reverse and rethrows. */
export async function runSaga<C>(steps: readonly Step<C>[], ctx: C, hooks: SagaHooks = {}): Promise<SagaResult> {
  const completed: Step<C>[] = [];
  const forwardFailures: SagaResult["forwardFailures"] = [];
  let pastPivot = false;
  for (const step of steps) {
    try {
      await hooks.beforeStep?.(step.name);
      await step.run(ctx);
    } catch (err) {
      // A step whose own cleanup failed leaves the rest to the sweeper (the saga stays open).
      if (err instanceof SimulatedCrash || err instanceof CompensationFailed || err instanceof OutcomeUnknown)
        throw err;
      if (pastPivot) {
        forwardFailures.push({ step: step.name, error: err });
        continue;
      }
      for (const done of [...completed].reverse()) {
        try {
          await done.compensate?.(ctx, err);
        } catch (cause) {
          throw new CompensationFailed(done.name, err, cause);
        }
      }
      throw err;
    }
    completed.push(step);
    if (step.pivot) pastPivot = true;
    await hooks.afterStep?.(step.name);
  }
  return { completed: completed.map((s) => s.name), forwardFailures };
}
