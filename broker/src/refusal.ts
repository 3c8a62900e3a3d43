/** An answer other than 200, decided where the problem is found and turned into JSON by the handler. */
export class Refusal extends Error {
  constructor(
    /** 401 (token not valid), 403 (valid but not allowed), 405, 500 (broker misconfigured), 502/503 (a service behind it failed). */
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}
