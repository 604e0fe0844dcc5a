// A request the tracker refuses, with the HTTP status it answers.
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
