// The signed-in session: tokens, their refresh, expiry and sign-out. Expiry never loses work: requests
// wait while the user signs in again (a dialog over the current page), then continue.
import { reactive } from "vue";
import { decodeJwt } from "./jwt";

export interface TokenResponse {
  idToken: string;
  accessToken: string;
  refreshToken?: string | null;
  expiresIn: number;
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

/** How tokens are obtained: the local stack's login routes or the Cognito hosted UI token endpoint. */
export interface TokenSource {
  refresh(refreshToken: string): Promise<TokenResponse>;
}

export interface SessionState {
  tokens: Tokens | null;
  username: string;
  groups: string[];
  /** True when the session ended and could not be refreshed: the re-login dialog is open. */
  expired: boolean;
}

export const SESSION_KEY = "amc-uploader:session";
/** Refresh this long before the token expires. */
export const REFRESH_MARGIN_MS = 60_000;

export class Session {
  readonly state: SessionState;
  private source: TokenSource | null = null;
  private refreshing: Promise<boolean> | null = null;
  private waiters: Array<() => void> = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly storage: Storage | null,
    private readonly now: () => number = Date.now,
  ) {
    this.state = reactive({ tokens: null, username: "", groups: [], expired: false }) as SessionState;
    const saved = storage?.getItem(SESSION_KEY);
    if (saved) {
      try {
        this.apply(JSON.parse(saved) as Tokens, false);
      } catch {
        storage?.removeItem(SESSION_KEY);
      }
    }
  }

  setSource(source: TokenSource): void {
    this.source = source;
  }

  get signedIn(): boolean {
    return this.state.tokens !== null;
  }

  get isAdmin(): boolean {
    return this.state.groups.some((g) => /admin/i.test(g));
  }

  /** Store tokens from a login or refresh response (a refresh may omit the refresh token). */
  accept(response: TokenResponse): void {
    const refreshToken = response.refreshToken || this.state.tokens?.refreshToken || "";
    const exp = decodeJwt(response.accessToken)?.exp;
    const expiresAt = Math.min(this.now() + response.expiresIn * 1000, exp ? exp * 1000 : Number.POSITIVE_INFINITY);
    this.apply({ idToken: response.idToken, accessToken: response.accessToken, refreshToken, expiresAt }, true);
    this.state.expired = false;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  private apply(tokens: Tokens, persist: boolean): void {
    const claims = decodeJwt(tokens.idToken) ?? decodeJwt(tokens.accessToken) ?? {};
    this.state.tokens = tokens;
    this.state.username = String(claims["cognito:username"] ?? claims.username ?? claims.email ?? "");
    const groups = claims["cognito:groups"];
    this.state.groups = Array.isArray(groups) ? groups.map(String) : [];
    if (persist) this.storage?.setItem(SESSION_KEY, JSON.stringify(tokens));
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const tokens = this.state.tokens;
    if (!tokens || typeof window === "undefined") return;
    const delay = tokens.expiresAt - REFRESH_MARGIN_MS - this.now();
    // Refresh ahead of time so a long form session keeps working; a failure shows the re-login dialog.
    this.timer = setTimeout(() => void this.refresh(), Math.max(delay, 1000));
  }

  needsRefresh(): boolean {
    const t = this.state.tokens;
    return t !== null && t.expiresAt - this.now() < REFRESH_MARGIN_MS;
  }

  /** Refresh the tokens once (concurrent callers share the attempt). False = session expired. */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const tokens = this.state.tokens;
    const source = this.source;
    if (!tokens?.refreshToken || !source) {
      this.markExpired();
      return Promise.resolve(false);
    }
    this.refreshing = source
      .refresh(tokens.refreshToken)
      .then((response) => {
        this.accept(response);
        return true;
      })
      .catch(() => {
        // A sign-in may have replaced the tokens while this refresh was on its way: its failure then
        // says nothing about the new session (marking it expired would reopen the dialog).
        if (this.state.tokens?.refreshToken !== tokens.refreshToken) return this.state.tokens !== null;
        this.markExpired();
        return false;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  markExpired(): void {
    if (this.state.tokens) this.state.expired = true;
  }

  /** Resolves when the user has signed in again (after expiry). */
  waitForSignIn(): Promise<void> {
    if (this.state.tokens && !this.state.expired) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The bearer token for an API call: refreshed when close to expiry, waiting for re-login if expired. */
  async bearer(): Promise<string | null> {
    if (!this.state.tokens) return null;
    if (this.state.expired) await this.waitForSignIn();
    else if (this.needsRefresh() && !(await this.refresh())) await this.waitForSignIn();
    return this.state.tokens?.idToken ?? null;
  }

  signOut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.state.tokens = null;
    this.state.username = "";
    this.state.groups = [];
    this.state.expired = false;
    this.storage?.removeItem(SESSION_KEY);
  }
}

export const session = new Session(typeof sessionStorage === "undefined" ? null : sessionStorage);
