/** The console's shared pieces: htm bound to Preact, navigation, the frame, error and empty states. */
import { h, type ComponentChildren } from "preact";
import htm from "htm";
import { ApiError, currentSession } from "./api";
import { zone } from "./format";

export const html = htm.bind(h);

/** In-page navigation: the URL is the state (filters, page, decision), so every view is shareable. */
export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.dispatchEvent(new Event("console:navigate"));
}

/** A link handled in the page (a plain click), or by the browser (new tab, ctrl-click). */
export function Link(props: { href: string; children?: ComponentChildren; class?: string; id?: string }) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return html`<a href=${props.href} class=${props.class} id=${props.id} onClick=${onClick}>${props.children}</a>`;
}

/** Whether a key press belongs to a text field rather than to the page's shortcuts. */
export function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

export function Frame(props: { active: string; children?: ComponentChildren }) {
  const s = currentSession();
  return html`<header class="top">
      <strong class="brand">Fraud console</strong>
      <nav>
        <${Link} href="/console/queue" class=${props.active === "queue" ? "active" : ""}>Queue<//>
        <${Link} href="/console/overview" class=${props.active === "overview" ? "active" : ""}>Overview<//>
      </nav>
      <span class="who">${s ? `${s.user} (${s.role})` : ""} · times in ${zone}</span>
      ${s ? html`<button class="link" id="sign-out" onClick=${() => window.dispatchEvent(new Event("console:signout"))}>Sign out</button>` : null}
    </header>
    <main>${props.children}</main>`;
}

/** An error as a sentence of what happened and what to do. */
export function ErrorBox(props: { error: unknown; retry?: () => void }) {
  const e = props.error;
  let what = "Something went wrong.";
  let todo = "Reload the page; if it persists, tell the platform team.";
  if (e instanceof ApiError) {
    what = e.message;
    if (e.status === 0) todo = "Check your network connection, then retry.";
    else if (e.status === 503) todo = "The decision log is unavailable; retry in a few seconds.";
    else if (e.status === 400) todo = "Correct the filters above and try again.";
    else if (e.status === 403) todo = "Your role does not allow this; ask an administrator for the analyst role.";
    else if (e.status === 404) todo = "Check the link, or go back to the queue.";
  }
  return html`<div class="error" role="alert">
    <p><strong>${what}</strong></p>
    <p>${todo}</p>
    ${props.retry ? html`<button onClick=${props.retry}>Retry</button>` : null}
  </div>`;
}

export function Empty(props: { children?: ComponentChildren }) {
  return html`<div class="empty">${props.children}</div>`;
}

export function Loading() {
  return html`<p class="loading" aria-busy="true">Loading…</p>`;
}
