/**
 * The queue of jobs waiting to run on this replica, fair between users: round robin over queue keys (an owner, or a
 * client address for anonymous users), first come first served within a key. Pure and synchronous, so that the order
 * is tested as a table (fair-queue.test.ts) rather than by timing a running manager.
 */
export class FairQueue {
  /** Waiting job ids per key, and the keys in round-robin order. */
  private readonly queues = new Map<string, string[]>();
  private rotation: string[] = [];
  private readonly keys = new Map<string, string>();

  /** Adds a job at the back of its key's queue; `front`: at the front, and its key first (a job resumed after a restart). */
  add(key: string, id: string, front = false): void {
    if (this.keys.has(id)) return;
    this.keys.set(id, key);
    const q = this.queues.get(key);
    if (q) {
      if (front) q.unshift(id);
      else q.push(id);
      if (front) this.rotation = [key, ...this.rotation.filter((k) => k !== key)];
      return;
    }
    this.queues.set(key, [id]);
    if (front) this.rotation.unshift(key);
    else this.rotation.push(key);
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  remove(id: string): void {
    const key = this.keys.get(id);
    if (key === undefined) return;
    this.keys.delete(id);
    const q = this.queues.get(key)!;
    q.splice(q.indexOf(id), 1);
    if (q.length === 0) {
      this.queues.delete(key);
      this.rotation = this.rotation.filter((k) => k !== key);
    }
  }

  /** The next job: the first of the next key in the rotation, which then goes to the back. */
  next(): string | undefined {
    const key = this.rotation.shift();
    if (key === undefined) return undefined;
    const q = this.queues.get(key)!;
    const id = q.shift()!;
    this.keys.delete(id);
    if (q.length > 0) this.rotation.push(key);
    else this.queues.delete(key);
    return id;
  }

  get size(): number {
    return this.keys.size;
  }
}
