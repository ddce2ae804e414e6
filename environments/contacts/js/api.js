/* State API client (WebArena-Infinity convention).
 * GET  api/state  -> the whole app state
 * PUT  api/state  -> store the whole state (done after every change)
 * URLs are relative so the app also works when served under a path prefix. */
(function () {
  'use strict';
  let chain = Promise.resolve();
  window.__pendingSaves = 0;

  async function load() {
    const res = await fetch('api/state', { cache: 'no-store' });
    if (!res.ok) throw new Error('GET api/state failed: ' + res.status);
    return res.json();
  }

  // PUTs are queued so they reach the server in the order the changes were made.
  function save(state) {
    const body = JSON.stringify(state);
    window.__pendingSaves++;
    chain = chain
      .then(() =>
        fetch('api/state', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body }),
      )
      .then((res) => {
        if (!res.ok) throw new Error('PUT api/state failed: ' + res.status);
      })
      .catch((err) => console.error('Could not save state', err))
      .finally(() => {
        window.__pendingSaves--;
      });
    return chain;
  }

  window.StateAPI = { load, save };
})();
