// Every call the UI makes goes through here: the admin token from the tab's session storage, a
// timeout on every request (no spinner waits forever), and one error shape, ApiError, whose
// message is the server's own reason ({"error": "..."}) or says what went wrong on the way.

const TOKEN_KEY = 'adsml.adminToken';
const DEFAULT_TIMEOUT_MS = 10000;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let unauthorizedListener = () => {};

/** Called when the server refuses the stored token, so the app can ask for it again. */
export function onUnauthorized(listener) {
  unauthorizedListener = listener;
}

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token) {
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

/**
 * One HTTP call to the server that served the page. Options: body (sent as JSON), timeoutMs,
 * token (a token to try instead of the stored one: a refusal then does not log out).
 */
export async function call(method, path, options = {}) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const trying = options.token !== undefined;
  const token = trying ? options.token : storedToken();
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal,
    });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const reason = (json && json.error) || `${response.status} ${response.statusText || 'error'}`;
      if (response.status === 401 && !trying) unauthorizedListener(reason);
      throw new ApiError(response.status, reason);
    }
    return json;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (e.name === 'AbortError') {
      throw new ApiError(0, `no answer within ${Math.round(timeoutMs / 1000)} s`);
    }
    throw new ApiError(0, `the server could not be reached (${e.message})`);
  } finally {
    clearTimeout(timer);
  }
}
