// The console's one script; every page works without it. It asks before a delete, copies what the owner hands
// out, and keeps a live list of calls current in place.

/** A button of a form marked `data-confirm` sends it only once the question is answered yes. */
for (const form of document.querySelectorAll<HTMLFormElement>('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.dataset.confirm ?? 'Are you sure?')) event.preventDefault();
  });
}

/** `data-copy` names the element whose text (or value) the button copies. */
for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copy ?? '');
    const text = source instanceof HTMLTextAreaElement ? source.value : (source?.textContent ?? '');
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy it';
    }
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 2000);
  });
}

/** An element with `data-live="<seconds>"` is fetched again and swapped in until it no longer says it is live. */
function followLive(): void {
  const live = document.querySelector<HTMLElement>('[data-live]');
  if (!live?.id) return;
  const seconds = Number(live.dataset.live) || 3;
  setTimeout(async () => {
    try {
      const response = await fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' });
      if (!response.ok || response.redirected) return;
      const next = new DOMParser()
        .parseFromString(await response.text(), 'text/html')
        .getElementById(live.id);
      if (next) live.replaceWith(document.importNode(next, true));
    } catch {
      // Offline for a moment: the next round tries again.
    }
    followLive();
  }, seconds * 1000);
}
followLive();
