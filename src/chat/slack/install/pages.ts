/**
 * The pages a workspace admin sees during the install, in Easel's voice. Plain HTML, no scripts;
 * nothing from the request is echoed back except Slack's error code (escaped).
 */
const page = (title: string, body: string) =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>` +
  `<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#2c3e50;line-height:1.5}a.button{display:inline-block;padding:.6rem 1.2rem;background:#4a154b;color:#fff;border-radius:6px;text-decoration:none}</style></head>` +
  `<body>${body}</body></html>`;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** /slack/install: what Easel does and what it asks for, then "Add to Slack" (Bolt sets the state cookie). */
export function installPage(authorizeUrl: string): string {
  return page(
    'Add Easel to Slack',
    `<h1>🎨 Add Easel to your Slack workspace</h1>` +
      `<p>Easel repaints photos in the style of famous paintings. After you add it, anyone in your workspace can use <code>/stylize</code> or mention <code>@Easel</code> with a photo.</p>` +
      `<p>Slack will ask you to allow Easel to read messages that mention it or reply in its threads, read the photos shared there, and post its paintings. Easel keeps the photos only as long as it takes to paint them.</p>` +
      `<p><a class="button" href="${escape(authorizeUrl)}">Add to Slack</a></p>`,
  );
}

export function successPage(teamName: string | undefined): string {
  return page(
    'Easel is installed',
    `<h1>🎨 Easel is ready${teamName ? ` in ${escape(teamName)}` : ''}!</h1>` +
      `<p>Invite it to a channel (<code>/invite @Easel</code>), then try <code>/stylize styles</code> to see the paintings, or mention <code>@Easel the-scream</code> with a photo.</p>` +
      `<p>You can close this tab.</p>`,
  );
}

export function failurePage(code: string | undefined): string {
  return page(
    'Easel was not installed',
    `<h1>Easel couldn't be added this time</h1>` +
      `<p>Nothing was changed in your workspace. This usually means the install link was opened in another browser or took too long — please <a href="install">start the install again</a>.</p>` +
      (code ? `<p><small>Slack said: ${escape(code)}</small></p>` : ''),
  );
}
