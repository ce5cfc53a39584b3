/* Gatehouse: keep what a person typed in a form until the server has it.
 *
 * <form data-keep-draft="a-stable-key">  copies its fields to localStorage as they are typed.
 *
 * - When the page is reloaded (or htmx swaps the form back in, e.g. after a row was added to
 *   the same section) and the stored values differ from the ones on the page, they are put
 *   back and a note says so, with a button to discard them.
 * - When a submission of the form comes back without errors the stored copy is dropped: the
 *   server has it now. When it comes back with errors the copy is kept until it is fixed.
 *   A save htmx sends without a submit (the charter editor saves as the person types) counts
 *   as a submission too.
 *
 * Without JavaScript or localStorage nothing happens: the server still echoes typed values
 * on validation errors.
 */
(function () {
  "use strict";

  var PREFIX = "gatehouse:draft:";
  var store;
  try {
    store = window.localStorage;
    store.setItem(PREFIX + "probe", "1");
    store.removeItem(PREFIX + "probe");
  } catch (e) {
    return; // private mode or storage disabled: the server-side echo still applies
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (
        el.name &&
        !el.disabled &&
        el.name !== "csrfmiddlewaretoken" &&
        el.type !== "hidden" &&
        el.type !== "submit" &&
        el.type !== "button" &&
        el.type !== "file" &&
        el.type !== "password"
      );
    });
  }

  // The fields' values now, or (asServed) as the server put them in the page, whatever was
  // typed since: the HTML's own values.
  function valuesOf(form, asServed) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox") {
        values[el.name] = asServed ? el.defaultChecked : el.checked;
      } else if (el.type === "radio") {
        if (asServed ? el.defaultChecked : el.checked) values[el.name] = el.value;
      } else if (el.options) {
        var chosen = Array.prototype.filter.call(el.options, function (o) {
          return asServed ? o.defaultSelected : o.selected;
        });
        if (el.multiple) {
          values[el.name] = chosen.map(function (o) { return o.value; });
        } else if (asServed) {
          // With no option marked, a list box shows its first one.
          var shown = chosen.length ? chosen[chosen.length - 1] : el.options[0];
          values[el.name] = shown ? shown.value : "";
        } else {
          values[el.name] = el.value;
        }
      } else {
        values[el.name] = asServed ? el.defaultValue : el.value;
      }
    });
    return values;
  }

  function read(form) {
    return valuesOf(form, false);
  }

  function served(form) {
    return valuesOf(form, true);
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function write(form, values, keep) {
    fields(form).forEach(function (el) {
      if (!(el.name in values) || (keep && keep[el.name])) return;
      var v = values[el.name];
      if (el.type === "checkbox") {
        el.checked = !!v;
      } else if (el.type === "radio") {
        el.checked = el.value === v;
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = v.indexOf(o.value) !== -1;
        });
      } else {
        el.value = v;
      }
    });
  }

  function key(form) {
    return PREFIX + form.getAttribute("data-keep-draft");
  }

  function load(form) {
    try {
      var raw = store.getItem(key(form));
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function save(form) {
    var values = read(form);
    var entry = load(form);
    // The first time something is typed, remember what the server had, so that typing the
    // stored value back in clears the copy instead of reporting a restore.
    var original = entry ? entry.original : form._draftOriginal || values;
    if (same(values, original)) {
      store.removeItem(key(form));
    } else {
      store.setItem(key(form), JSON.stringify({ values: values, original: original, at: Date.now() }));
    }
  }

  function discard(form) {
    store.removeItem(key(form));
    var note = form.querySelector(".draft-restored");
    if (note) note.remove();
  }

  function notice(form, savedSince) {
    if (form.querySelector(".draft-restored")) return;
    var note = document.createElement("div");
    note.className = "alert draft-restored " + (savedSince ? "alert-warning" : "alert-info");
    note.setAttribute("role", "status");
    var text = document.createElement("span");
    text.textContent = savedSince
      ? "Restored what you typed here but had not saved yet. This has been saved since you " +
        "started typing (from another tab, or by someone else): saving now replaces that. " +
        "Check before you save, or discard your changes to see what is saved."
      : "Restored what you typed here but had not saved yet. Save to keep it.";
    note.appendChild(text);
    note.appendChild(document.createTextNode(" "));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small";
    button.textContent = "Discard my changes";
    button.addEventListener("click", function () {
      // Back to what the server has now (read when the page was built), which is what the
      // copy was started from unless somebody saved since.
      var entry = load(form);
      var saved = form._draftOriginal || (entry && entry.original);
      if (saved) write(form, saved);
      discard(form);
    });
    note.appendChild(button);
    form.insertBefore(note, form.firstChild);
  }

  function hasErrors(form) {
    return !!form.querySelector(".errorlist, .alert-error");
  }

  // Forms whose submission is on its way, so the answer can drop or keep the copy. Kept in
  // sessionStorage so a plain (non-htmx) post and its redirect are followed too.
  var PENDING = "gatehouse:draft-pending:";
  var pending = {
    add: function (k) { try { window.sessionStorage.setItem(PENDING + k, "1"); } catch (e) {} },
    take: function (k) {
      try {
        var was = window.sessionStorage.getItem(PENDING + k) !== null;
        window.sessionStorage.removeItem(PENDING + k);
        return was;
      } catch (e) {
        return false;
      }
    },
    clear: function () {
      try {
        Object.keys(window.sessionStorage).forEach(function (k) {
          if (k.indexOf(PENDING) === 0) window.sessionStorage.removeItem(k);
        });
      } catch (e) {}
    },
  };

  // Saves htmx sent and whose answer is swapped in on this page: in memory, not in
  // sessionStorage, since a reload in between means no answer (the copy must stay).
  var sentByHtmx = {};

  function init(root) {
    var forms = root.matches && root.matches("form[data-keep-draft]") ? [root] : [];
    forms = forms.concat(Array.prototype.slice.call(root.querySelectorAll("form[data-keep-draft]")));
    forms.forEach(function (form) {
      // Once per form: htmx's first htmx:load (on <body>) comes after DOMContentLoaded.
      if (form._draftSeen) return;
      form._draftSeen = true;
      var k = key(form);
      var answered = sentByHtmx[k];
      delete sentByHtmx[k];
      // Compare with what the server sent, not with what the fields hold now: on a slow
      // connection this script can arrive after the person has started typing, and what they
      // typed since the page came must neither be overwritten nor missed.
      var server = served(form);
      form._draftOriginal = server;
      var now = read(form);
      var typed = {};
      Object.keys(now).forEach(function (name) {
        if (!same(now[name], server[name])) typed[name] = true;
      });
      var typedSinceLoad = Object.keys(typed).length > 0;
      var entry = load(form);
      if ((pending.take(k) || answered) && !hasErrors(form)) {
        entry = null; // saved: the server has it
        store.removeItem(k);
      } else if (entry && entry.values && same(entry.values, server)) {
        entry = null; // the server has it already (saved before the page was left)
        store.removeItem(k);
      }
      if (entry && entry.values) {
        var restores = Object.keys(entry.values).some(function (name) {
          return !typed[name] && name in server && !same(entry.values[name], server[name]);
        });
        write(form, entry.values, typed);
        if (restores) {
          // What the page had when the typing began is no longer what the server has:
          // somebody saved in between, and saving the copy would replace their work. Say so.
          notice(form, !!entry.original && !same(entry.original, server));
        }
      }
      if (typedSinceLoad) save(form);
    });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-keep-draft")) save(form);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-keep-draft")) save(form);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-keep-draft")) pending.add(key(form));
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (form && form.hasAttribute && form.hasAttribute("data-keep-draft") && verb !== "get") {
      sentByHtmx[key(form)] = true;
    }
  });
  // A submission that never got an answer the page could show keeps its copy.
  function unanswered() {
    pending.clear();
    sentByHtmx = {};
  }
  document.addEventListener("htmx:sendError", unanswered);
  document.addEventListener("htmx:responseError", unanswered);
  document.addEventListener("htmx:timeout", unanswered);

  document.addEventListener("htmx:load", function (event) { init(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
