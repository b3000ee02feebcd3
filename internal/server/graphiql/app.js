// The development page's GraphiQL: served with its assets by the server
// itself, so it works with no access to the internet. The headers panel
// starts open with an Authorization header to complete; the schema (for
// the documentation and completion) is fetched once a token is in it, and
// again whenever the token changes.
(function () {
  'use strict';
  var h = React.createElement;
  var root = document.getElementById('graphiql');
  var url = new URL(root.dataset.endpoint, location.href).href;
  var placeholder = 'Bearer <paste a token>';
  var defaultHeaders = JSON.stringify({ Authorization: placeholder }, null, 2);
  var defaultQuery =
    '# Segretariato sociale: the GraphQL API\n' +
    '# (development mode).\n' +
    '#\n' +
    '# Paste an operator\'s token in the Headers\n' +
    '# tab below, in place of <paste a token>\n' +
    '# (`server operator add` or `--demo` prints\n' +
    '# one): the documentation then loads.\n' +
    '\n' +
    '{\n  me {\n    email\n    role\n  }\n}\n';

  // hasToken: the headers are JSON with an Authorization: Bearer token.
  function hasToken(headers) {
    try {
      var auth = (JSON.parse(headers || '{}') || {}).Authorization || '';
      return /^Bearer [^\s<>]+$/.test(auth);
    } catch (e) {
      return false;
    }
  }

  function newFetcher() {
    return GraphiQL.createFetcher({ url: url });
  }

  function App() {
    var fetcherState = React.useState(newFetcher);
    var readyState = React.useState(false);
    var timer = React.useRef(0);
    var onEditHeaders = React.useCallback(function (headers) {
      clearTimeout(timer.current);
      timer.current = setTimeout(function () {
        var ready = hasToken(headers);
        readyState[1](ready);
        // A new fetcher makes GraphiQL fetch the schema again.
        if (ready) fetcherState[1](function () { return newFetcher(); });
      }, 400);
    }, []);
    return h(GraphiQL, {
      fetcher: fetcherState[0],
      // null: no schema yet (no token to ask with); undefined: fetch it.
      schema: readyState[0] ? undefined : null,
      defaultQuery: defaultQuery,
      defaultHeaders: defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: false,
      onEditHeaders: onEditHeaders,
    });
  }

  ReactDOM.createRoot(root).render(h(App));
})();
