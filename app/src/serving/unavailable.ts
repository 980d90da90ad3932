/** Thrown when the request cannot be served now; maps to 503 with Retry-After. */
export class UnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "UnavailableError";
  }
}
