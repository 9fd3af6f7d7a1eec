// JSON calls to the platform's API (/api/...): errors carry the server's sentence and the field it names.

export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.field = field;
  }
}

let csrfToken = null;

async function csrf() {
  if (!csrfToken) csrfToken = (await request("GET", "/api/auth/csrf")).csrf_token;
  return csrfToken;
}

/** Forget the CSRF token (the session changed: signed in or out). */
export function resetCsrf() {
  csrfToken = null;
}

function url(path) {
  return path.startsWith("/api/") || path === "/api" ? path : `/api${path.startsWith("/") ? "" : "/"}${path}`;
}

async function request(method, path, body, headers = {}) {
  let response;
  try {
    response = await fetch(url(path), {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new ApiError(0, `the server cannot be reached (${err.message})`);
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, data?.error || `the server answered ${response.status}`, data?.field ?? null);
  }
  return data;
}

/** api("/api/me") or api("/me") → parsed JSON; non-GET requests carry X-CSRFToken (fetched once, renewed once
 * when the server refuses it, e.g. after the session changed). Throws ApiError{status, message, field}. */
export async function api(path, { method = "GET", body } = {}) {
  method = method.toUpperCase();
  if (method === "GET" || method === "HEAD") return request(method, path, body);
  try {
    return await request(method, path, body, { "X-CSRFToken": await csrf() });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 400 && err.field === "X-CSRFToken")) throw err;
    resetCsrf();
    return request(method, path, body, { "X-CSRFToken": await csrf() });
  }
}

/** The URL of an API path with query parameters (undefined / null ones left out). */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null) query.set(key, value);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
