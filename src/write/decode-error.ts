/** A remote_write body that cannot be decoded: the request gets a 400. */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
  constructor(message: string) {
    super(message);
  }
}
