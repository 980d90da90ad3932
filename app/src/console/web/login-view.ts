/** Sign in with a console login (not an API key). */
import { useState } from "preact/hooks";
import { post, setSession, type SessionInfo } from "./api";
import { ErrorBox, html, navigate } from "./ui";

export function LoginView(props: { next: string }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    try {
      setSession(await post<SessionInfo>("/login", { user: form.get("user"), password: form.get("password") }));
      navigate(props.next.startsWith("/console") ? props.next : "/console/queue", true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<main class="login">
    <h1>Fraud console</h1>
    <form id="login" onSubmit=${submit}>
      <label>User <input name="user" autocomplete="username" required autofocus /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit" disabled=${busy}>Sign in</button>
    </form>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <p class="hint">A local run prints a generated login in its log (consoleUser, consolePassword).</p>
  </main>`;
}
