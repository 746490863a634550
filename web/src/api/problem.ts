// Turns any failed API call into a message a marketer can act on (the old app showed raw JSON).

export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "ApiProblem";
  }
}

function bodyMessage(body: unknown): { code: string; message: string } {
  if (body && typeof body === "object") {
    const rec = body as Record<string, unknown>;
    const message = typeof rec.message === "string" ? rec.message : typeof rec.detail === "string" ? rec.detail : "";
    const code = typeof rec.error === "string" ? rec.error : "";
    return { code, message };
  }
  return { code: "", message: typeof body === "string" ? body.slice(0, 300) : "" };
}

/** Plain-language message for an HTTP error answer; the server's own message is kept where it helps. */
export function describeProblem(status: number, body: unknown): ApiProblem {
  const { code, message } = bodyMessage(body);
  const detail = message ? ` ${message}` : "";
  let text: string;
  switch (true) {
    case status === 0:
      text = "The server cannot be reached. Check your connection and try again.";
      break;
    case status === 401:
      text = "Your session has ended. Sign in again to continue.";
      break;
    case status === 403:
      text = message || "You do not have permission for this action: settings need an administrator.";
      break;
    case status === 404:
      text = message || "Not found: it may have been deleted.";
      break;
    case status === 409:
      text = message || "This conflicts with the current state; refresh and try again.";
      break;
    case status === 400 || status === 422:
      text = message || "Some input is not valid.";
      break;
    case status === 429:
      text = `Amazon Marketing Cloud is busy (throttled). Wait a minute and try again.${detail}`;
      break;
    case status === 502 || status === 503 || status === 504:
      text = message || "Amazon Marketing Cloud could not be reached. Try again in a moment.";
      break;
    default:
      text = `Something went wrong on the server (HTTP ${status}). Try again; if it keeps failing, give the administrator this time: ${new Date().toISOString()}.`;
  }
  return new ApiProblem(text, status, code || `http_${status}`);
}

export function problemMessage(error: unknown): string {
  if (error instanceof ApiProblem) return error.message;
  if (error instanceof TypeError) return "The server cannot be reached. Check your connection and try again.";
  if (error instanceof Error) return error.message;
  return "Unexpected error.";
}
