// The API client: every request goes through here, so the bearer token is added in one place and
// a 401 (UNAUTHENTICATED) asks the person for a token once, then retries. The token stays in this
// browser's localStorage until "forget token" removes it. While the server runs open (no tokens,
// loopback) no token is asked for; a token kept from elsewhere is refused there (401, the server
// holds no tokens), and "forget token" clears it.

const tokenKey = "aimsgraph.token";

export function storedToken(): string | null {
  return localStorage.getItem(tokenKey);
}

export function forgetToken() {
  localStorage.removeItem(tokenKey);
  tokenListeners.forEach((f) => f());
}

const tokenListeners = new Set<() => void>();
export function onTokenChange(f: () => void): () => void {
  tokenListeners.add(f);
  return () => tokenListeners.delete(f);
}

/** The prompt the app shows on a 401: resolves with the token typed, or null when cancelled. */
type TokenPrompt = (reason: string) => Promise<string | null>;
let promptForToken: TokenPrompt = async () => null;
export function setTokenPrompt(p: TokenPrompt) {
  promptForToken = p;
}

// Concurrent requests that all get a 401 share one prompt.
let pendingPrompt: Promise<string | null> | null = null;

export class APIError extends Error {
  constructor(message: string, readonly code: string, readonly status: number) {
    super(message);
  }
}

/** fetch with the stored bearer token; on 401 asks for a token and retries until one works or the person cancels. */
export async function authFetch(url: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const headers = new Headers(init.headers);
    const token = storedToken();
    if (token) headers.set("Authorization", `Bearer ${token}`);
    const res = await fetch(url, { ...init, headers });
    if (res.status !== 401) return res;
    const message = await errorMessage(res);
    pendingPrompt ??= promptForToken(token ? `The server refused the stored token: ${message}` : message).finally(() => {
      pendingPrompt = null;
    });
    const entered = await pendingPrompt;
    if (!entered) throw new APIError(message, "UNAUTHENTICATED", 401);
    localStorage.setItem(tokenKey, entered.trim());
    tokenListeners.forEach((f) => f());
  }
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = await res.json();
    return body?.errors?.[0]?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

export interface GraphQLError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
  path?: (string | number)[];
}

export interface GraphQLResponse<T> {
  data?: T;
  errors?: GraphQLError[];
}

/** Runs a GraphQL operation and returns the whole response (data and errors), as the editor shows it. */
export async function graphqlRaw<T = unknown>(query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const res = await authFetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  let body: GraphQLResponse<T>;
  try {
    body = await res.json();
  } catch {
    throw new APIError(`HTTP ${res.status}: the server's answer is not JSON`, "INTERNAL", res.status);
  }
  return { status: res.status, body };
}

/** Runs a GraphQL operation that must succeed: any error becomes an APIError with its code. */
export async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { status, body } = await graphqlRaw<T>(query, variables);
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new APIError(e.message, e.extensions?.code ?? "INTERNAL", status);
  }
  if (!body.data) throw new APIError(`HTTP ${status} without data`, "INTERNAL", status);
  return body.data;
}

export interface Example {
  name: string;
  query: string;
}

export async function examples(): Promise<Example[]> {
  const res = await authFetch("/examples.json");
  if (!res.ok) throw new APIError(await errorMessage(res), "INTERNAL", res.status);
  return res.json();
}

/** Downloads url (with the token) and hands it to the browser as a file. */
export async function download(url: string, fallbackName: string) {
  const res = await authFetch(url);
  if (!res.ok) throw new APIError(await errorMessage(res), "INTERNAL", res.status);
  const disposition = res.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  saveBlob(await res.blob(), name);
}

export function saveBlob(blob: Blob, name: string) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
