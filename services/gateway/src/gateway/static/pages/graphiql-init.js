// GraphiQL on the gateway. A page load cannot send a bearer token, so the page itself
// is public; the token pasted in the bar is sent as `Authorization` on every query
// (introspection included), and kept in this tab's memory only, never in storage.
(function () {
  var input = document.getElementById("token");
  var generation = 0;

  function bearer() {
    var token = input.value.trim().replace(/^Bearer\s+/i, "");
    return token ? "Bearer " + token : null;
  }

  async function fetcher(params, options) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (name) { headers[name] = extra[name]; });
    var authorization = bearer();
    if (authorization) headers.Authorization = authorization;
    var response = await fetch("/graphql", {
      method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit",
    });
    return response.json();
  }

  // Queries, variables, headers and history stay in this tab's memory, never in the
  // browser's storage: variables can hold a person's details, and a shared computer's
  // localStorage would keep them for the next user.
  var memory = {};
  var storage = {
    getItem: function (key) {
      return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
    },
    setItem: function (key, value) { memory[key] = String(value); },
    removeItem: function (key) { delete memory[key]; },
    clear: function () { memory = {}; },
    get length() { return Object.keys(memory).length; },
  };

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {
    // A new key remounts GraphiQL, so it fetches the schema again with the new token.
    generation += 1;
    root.render(React.createElement(GraphiQL, {
      key: generation, fetcher: fetcher, storage: storage, shouldPersistHeaders: false,
      defaultQuery: "# Paste a token above, then run a query, e.g.\n{ __typename }\n",
    }));
  }
  input.addEventListener("change", render);
  // Enter in the field applies the token here; the form is never posted anywhere.
  document.getElementById("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    render();
  });
  render();
})();
