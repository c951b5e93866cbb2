// Listeners of the AMI client: each is called in turn, and one that throws is logged, never allowed to stop the rest.
import type { AmiLogger } from './types.ts';

export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  constructor(
    private readonly logger: () => AmiLogger,
    private readonly what: string,
  ) {}

  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(value: T, fields: Record<string, unknown> = {}): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        this.logger().error(`an AMI ${this.what} listener threw`, { ...fields, error: String(error) });
      }
    }
  }
}
