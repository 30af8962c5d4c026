// Orchestration as a list of tasks with setup and teardown (the shape of Playwright's runner): a
// teardown is registered as soon as its setup is reached (started, not finished), and teardowns run
// in reverse order whatever happened: failure, abort or success. So a cluster whose creation was
// interrupted is still deleted, and nothing is torn down whose setup never began. Teardowns must
// therefore cope with a half-done setup.

export interface Task<C> {
  title: string;
  setup(context: C, signal: AbortSignal): Promise<void>;
  teardown?(context: C, signal: AbortSignal): Promise<void>;
}

export interface TaskEvents {
  onTaskStart?(title: string): void;
  onTaskEnd?(title: string, error?: unknown): void;
  onTeardownError?(title: string, error: unknown): void;
}

export class TaskAborted extends Error {
  override readonly name = 'TaskAborted';
}

/**
 * Runs tasks in order, stopping at the first failure or when `signal` aborts. Teardowns run with
 * their own signal (`cleanupSignal`), so Ctrl-C still cleans up; a failing teardown is reported
 * and the others still run. Rejects with the first setup error.
 */
export async function runTasks<C>(
  tasks: readonly Task<C>[],
  context: C,
  options: {
    signal: AbortSignal;
    cleanupSignal: AbortSignal;
    events?: TaskEvents;
    keep?: (title: string) => boolean;
  },
): Promise<void> {
  const teardowns: Task<C>[] = [];
  let failure: unknown;
  try {
    for (const task of tasks) {
      if (options.signal.aborted) throw new TaskAborted(`aborted before "${task.title}"`);
      options.events?.onTaskStart?.(task.title);
      if (task.teardown) teardowns.push(task);
      try {
        await task.setup(context, options.signal);
        options.events?.onTaskEnd?.(task.title);
      } catch (error) {
        options.events?.onTaskEnd?.(task.title, error);
        throw error;
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    for (const task of teardowns.reverse()) {
      if (options.keep?.(task.title)) continue;
      try {
        await task.teardown?.(context, options.cleanupSignal);
      } catch (error) {
        options.events?.onTeardownError?.(task.title, error);
      }
    }
  }
  if (failure !== undefined) throw failure;
}
