"""Python half of the label-function runner (see ``label-function-runner.ts`` for the layers).

Loaded into the sandboxed Pyodide interpreter by ``lf-runner.mjs``. The JavaScript side calls, in
order:

1. ``setup(api_source, static_policy, buffer_bytes)`` — compile the predefined API, pre-import the
   modules label functions may use, build the restricted builtins and read-only module views, and
   allocate the *exchange buffer* (a ``bytearray`` whose memory the JavaScript side writes into);
2. ``harden()`` — remove the JavaScript bridges (``js``, ``pyodide_js``, ``pyodide.ffi``, …) from
   ``sys.modules`` and the import system, disable automatic garbage collection and install a
   deny-by-default audit hook (``sys.addaudithook`` cannot be removed).

The JavaScript side then takes a copy of the whole wasm memory: the *clean state*. Everything below
runs on a state restored from it, so nothing one label function does to the interpreter (rebinding
this module's functions, module attributes, builtins, audit data, garbage, recursion limits, …)
survives into another label function's evaluations:

* per label function, on a restored state: ``install(n)`` (its source in the buffer) compiles it
  and executes the predefined API and the label function into a fresh namespace, then
  ``evaluate(n)`` per trajectory (its ``marshal`` bytes in the buffer) decodes a fresh copy of that
  one trajectory and calls ``label_function`` on it.

The interpreter never holds another label function's source or any trajectory but the one being
evaluated (the JavaScript side keeps the batch and passes one trajectory at a time, in ``marshal`` form made by the parent process). ``evaluate``
returns a small ``int`` (result and evidence step) or a ``'exception:…'`` / ``'non_bool:…'`` text; the
JavaScript side decodes and checks it, measures the duration and writes the result record itself.

The layer here is *Python-level policy*. It keeps honest mistakes and casual attacks out, but it is
not the boundary: a label function that gets past it only reaches its own evaluations' state.

* Static policy, checked on the AST before compiling: no ``_``-prefixed attributes (so no dunder
  reflection such as ``__globals__`` / ``__subclasses__``), no frame / generator / traceback / code
  attributes, no attribute assignment or deletion, no ``__``-names other than ``__name__``, no
  functions or classes with ``__`` names other than ``__init__``, and imports only from
  ``ALLOWED_IMPORTS``.
* Runtime: builtins without ``eval``, ``exec``, ``compile``, ``open``, ``getattr`` / ``setattr`` /
  ``delattr``, ``vars``, ``globals``, ``locals``, ``input``, ``breakpoint``, ``help``, ``exit``,
  ``quit``, ``memoryview``; ``__import__`` that serves only read-only views of allowed modules;
  ``type`` without its class-creating three-argument form. A module view holds no real module: an
  attribute that is a module (``typing.sys``, ``json.decoder``'s ``re``) is the view of an allowed
  module or absent, and ``string.Formatter`` (whose ``get_field`` walks attributes) is absent.
* Audit hook (deny by default once hardened): only ``compile``, ``builtins.id``, ``marshal.loads`` and ``exec`` of
  code objects this driver compiled pass; every other event (``open``, ``import`` of a module not
  already loaded, ``os.*``, ``subprocess.*``, ``socket.*``, ``ctypes.*``, ``sys._getframe``,
  ``gc.get_objects``, ``object.__getattr__`` on restricted attributes, …) raises ``PermissionError``.
"""

import ast as _ast
import builtins as _builtins
import gc as _gc
import json as _json
import marshal as _marshal
import reprlib as _reprlib
import sys as _sys

# Modules label functions may import (each served as a read-only view). Everything they import
# lazily is loaded by ``setup`` so that no import happens after hardening.
ALLOWED_IMPORTS = (
    '__future__',
    'collections',
    'collections.abc',
    'datetime',
    'difflib',
    'functools',
    'itertools',
    'json',
    'math',
    're',
    'string',
    'typing',
    'unicodedata',
)
# Modules that allowed modules import from C at call time (through the caller's ``__import__``):
# served as they are, but not importable by name in label functions (the static policy).
INTERNAL_IMPORTS = ('_strptime',)
_PRELOAD = ALLOWED_IMPORTS + INTERNAL_IMPORTS + ('encodings.idna', 'encodings.utf_8', 'encodings.ascii')

# Builtins removed from label functions' view.
BLOCKED_BUILTINS = (
    'eval',
    'exec',
    'compile',
    'open',
    'getattr',
    'setattr',
    'delattr',
    'vars',
    'globals',
    'locals',
    'input',
    'breakpoint',
    'help',
    'exit',
    'quit',
    'memoryview',
    'copyright',
    'credits',
    'license',
    '__loader__',
    '__spec__',
)

# Non-underscore attributes that expose frames, code or the object graph.
BLOCKED_ATTRIBUTES = frozenset(
    {
        'gi_frame',
        'gi_code',
        'gi_yieldfrom',
        'gi_running',
        'cr_frame',
        'cr_code',
        'cr_await',
        'cr_origin',
        'ag_frame',
        'ag_code',
        'ag_await',
        'f_back',
        'f_builtins',
        'f_code',
        'f_globals',
        'f_locals',
        'f_trace',
        'f_lasti',
        'tb_frame',
        'tb_next',
        'tb_lasti',
        'co_code',
        'co_consts',
        'co_names',
        'mro',
        'format_map',
    }
)

# Events that pass the audit hook after hardening (``exec`` is checked separately). ``marshal`` is how the
# driver hands each evaluation its own copy of a trajectory; label functions cannot import it.
_ALLOWED_EVENTS = frozenset({'compile', 'builtins.id', 'marshal.loads'})

LABEL_FUNCTION_FILENAME = '<label_function>'
API_FILENAME = '<predefined_api>'
# Longest error / repr text reported for one evaluation.
MAX_ERROR_CHARS = 2000
# Most API-call records read back to compute the evidence step.
MAX_EVIDENCE_RECORDS = 100_000
# Largest evidence step reported (a forged record beyond it reports no evidence).
MAX_STEP_INDEX = 1_000_000

_json_loads = _json.loads
_marshal_loads = _marshal.loads
_gc_collect = _gc.collect
_real_type = type
_isinstance = isinstance
_bytes = bytes
_memoryview = memoryview

# Default size of the exchange buffer; a trajectory whose marshal form is larger is passed as JSON
# text instead (slower, same result).
DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024

_state = {
    'api_code': None,
    'safe_builtins': None,
    'evidence_step': None,
    'hardened': False,
    'buffer': None,
    'namespace': None,
    'function': None,
    'install_error': None,
}
_approved_code = {}  # code -> code: the code objects ``exec`` may run after hardening (checked by identity)


class PolicyError(Exception):
    """A label function breaks the sandbox's static policy."""


class _ReadOnlyModule:
    """A read-only view of a module's public attributes."""

    __slots__ = ('_view_name', '_view_attrs')

    def __init__(self, name, attrs):
        object.__setattr__(self, '_view_name', name)
        object.__setattr__(self, '_view_attrs', attrs)

    def __getattr__(self, attr):
        attrs = object.__getattribute__(self, '_view_attrs')
        if attr in attrs:
            return attrs[attr]
        name = object.__getattribute__(self, '_view_name')
        raise AttributeError(f"module '{name}' has no attribute '{attr}'")

    def __setattr__(self, attr, value):
        raise PermissionError('sandbox: modules are read-only in label functions')

    def __delattr__(self, attr):
        raise PermissionError('sandbox: modules are read-only in label functions')

    def __dir__(self):
        return sorted(object.__getattribute__(self, '_view_attrs'))

    def __repr__(self):
        return f"<module '{object.__getattribute__(self, '_view_name')}' (read-only)>"


_module_views = {}


# Public attributes left out of module views: ``string.Formatter().get_field`` walks attributes by
# name (``'0.__globals__'``) and hands back the objects, which the static policy cannot see.
HIDDEN_MODULE_ATTRIBUTES = {'string': frozenset({'Formatter'})}


def _build_module_views():
    """Build a read-only view per allowed module. A view never holds a real module: an attribute
    whose value is a module becomes the view of that module when it is allowed, else is left out
    (``typing.sys``, ``re.enum``, ``json.decoder`` …)."""
    module_type = _real_type(_sys)
    attrs_by_name = {}
    for name in ALLOWED_IMPORTS:
        module = _sys.modules[name]
        hidden = HIDDEN_MODULE_ATTRIBUTES.get(name, frozenset())
        attrs_by_name[name] = {
            key: value
            for key, value in vars(module).items()
            if not key.startswith('_') and key not in hidden
        }
        _module_views[name] = _ReadOnlyModule(name, attrs_by_name[name])
    views_by_module = {id(_sys.modules[name]): _module_views[name] for name in ALLOWED_IMPORTS}
    for name, attrs in attrs_by_name.items():
        for key, value in list(attrs.items()):
            if _isinstance(value, module_type):
                view = views_by_module.get(id(value))
                if view is None:
                    del attrs[key]
                else:
                    attrs[key] = view
    # ``import collections.abc`` binds ``collections``; its view must lead to the sub-view.
    for name in ALLOWED_IMPORTS:
        if '.' in name:
            parent, _, child = name.rpartition('.')
            attrs_by_name[parent][child] = _module_views[name]


def _safe_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0:
        raise ImportError('sandbox: relative imports are not allowed in label functions')
    if name in INTERNAL_IMPORTS and not fromlist:
        return _sys.modules[name]
    if name not in _module_views:
        allowed = ', '.join(n for n in ALLOWED_IMPORTS if n != '__future__')
        raise ImportError(f"sandbox: import of '{name}' is not allowed in label functions (allowed: {allowed})")
    if fromlist:
        return _module_views[name]
    return _module_views[name.partition('.')[0]]


def _safe_type(*args):
    if len(args) != 1:
        raise PermissionError('sandbox: type() can only inspect an object in label functions')
    found = _real_type(args[0])
    return _safe_type if found is _real_type else found


def _build_safe_builtins():
    safe = dict(vars(_builtins))
    for name in BLOCKED_BUILTINS:
        safe.pop(name, None)
    safe['__import__'] = _safe_import
    safe['type'] = _safe_type
    return safe


# ---------------------------------------------------------------------------------------------
# Static policy
# ---------------------------------------------------------------------------------------------


def _is_blocked_attribute(attr):
    return attr.startswith('_') or attr in BLOCKED_ATTRIBUTES


def check_policy(tree):
    """Raise PolicyError (naming the line) when the AST breaks the static policy."""
    for node in _ast.walk(tree):
        line = getattr(node, 'lineno', '?')
        if _isinstance(node, _ast.Attribute):
            if _is_blocked_attribute(node.attr):
                raise PolicyError(f"line {line}: attribute '{node.attr}' is not allowed in label functions")
            if not _isinstance(node.ctx, _ast.Load):
                raise PolicyError(f"line {line}: assigning or deleting attributes is not allowed in label functions")
        elif _isinstance(node, _ast.Name):
            if node.id.startswith('__') and node.id != '__name__':
                raise PolicyError(f"line {line}: name '{node.id}' is not allowed in label functions")
        elif _isinstance(node, (_ast.FunctionDef, _ast.AsyncFunctionDef, _ast.ClassDef)):
            if node.name.startswith('__') and node.name != '__init__':
                raise PolicyError(f"line {line}: defining '{node.name}' is not allowed in label functions")
        elif _isinstance(node, _ast.MatchClass):
            for attr in node.kwd_attrs:
                if _is_blocked_attribute(attr):
                    raise PolicyError(f"line {line}: attribute '{attr}' is not allowed in label functions")
        elif _isinstance(node, _ast.Import):
            for alias in node.names:
                if alias.name not in _module_views:
                    raise PolicyError(f"line {line}: import of '{alias.name}' is not allowed in label functions")
        elif _isinstance(node, _ast.ImportFrom):
            if node.level != 0 or node.module not in _module_views:
                raise PolicyError(
                    f"line {line}: import from '{node.module or '.'}' is not allowed in label functions"
                )
        elif _isinstance(node, _ast.arg):
            if node.arg.startswith('__'):
                raise PolicyError(f"line {line}: argument '{node.arg}' is not allowed in label functions")
        elif _isinstance(node, _ast.keyword):
            if node.arg is not None and node.arg.startswith('__'):
                raise PolicyError(f"line {line}: keyword '{node.arg}' is not allowed in label functions")


# ---------------------------------------------------------------------------------------------
# Setup and hardening
# ---------------------------------------------------------------------------------------------


def setup(api_source, static_policy=True, buffer_bytes=DEFAULT_BUFFER_BYTES):
    """Compile the predefined API, prepare builtins and module views, and allocate the exchange
    buffer of ``buffer_bytes`` bytes. Call once, first."""
    for name in _PRELOAD:
        __import__(name)
    _build_module_views()
    _state['safe_builtins'] = _build_safe_builtins()
    _state['static_policy'] = bool(static_policy)
    api_code = compile(api_source, API_FILENAME, 'exec')
    _approved_code[api_code] = api_code
    _state['api_code'] = api_code
    # The evidence rule comes from a private copy of the API, out of label functions' reach.
    private = {'__builtins__': _state['safe_builtins'], '__name__': 'predefined_api'}
    exec(api_code, private)
    _state['evidence_step'] = private['evidence_step']
    _state['buffer'] = bytearray(int(buffer_bytes))
    _gc_collect()


def exchange_buffer():
    """The exchange buffer (a ``bytearray``): the JavaScript side exports it once with
    ``getBuffer()`` and writes inputs into it; its size never changes while exported."""
    return _state['buffer']


def _make_audit_hook():
    # The decision data are default arguments: rebinding a function's __defaults__ raises an
    # `object.__setattr__` event, which this very hook denies (closure cells would be writable).
    def audit_hook(event, args, _allowed=_ALLOWED_EVENTS, _approved=_approved_code):
        if event == 'exec':
            if args and _approved.get(args[0]) is args[0]:
                return
            raise PermissionError('sandbox: exec/eval of dynamic code is not allowed')
        if event in _allowed:
            return
        raise PermissionError(f"sandbox: '{event}' is not allowed")

    return audit_hook


_BRIDGE_PREFIXES = ('js', 'pyodide', '_pyodide', 'pyodide_js', '_pyodide_core', 'micropip')


def harden():
    """Remove the JavaScript bridges and install the deny-by-default audit hook. Irreversible."""
    for name in list(_sys.modules):
        root = name.partition('.')[0]
        if root in _BRIDGE_PREFIXES:
            del _sys.modules[name]
    # Import finders that would create `js` / `pyodide_js` modules on demand.
    _sys.meta_path[:] = [
        finder
        for finder in _sys.meta_path
        if 'pyodide' not in _real_type(finder).__module__ and 'Js' not in _real_type(finder).__name__
    ]
    _sys.path_hooks.clear()
    _sys.path_importer_cache.clear()
    # Automatic collection off: each evaluation's cyclic garbage (and its finalisers) is collected
    # right after it, on its own clock (``_run``); a restore discards whatever is left.
    _gc.disable()
    _sys.addaudithook(_make_audit_hook())
    _state['hardened'] = True


# ---------------------------------------------------------------------------------------------
# Trajectories, label functions and evaluations (each on a state restored by the JavaScript side)
# ---------------------------------------------------------------------------------------------


def _buffer_view(n):
    """The first ``n`` bytes of the exchange buffer, without a copy."""
    buffer = _state['buffer']
    if _real_type(n) is not int or not 0 <= n <= len(buffer):
        raise ValueError(f'bad buffer length {n!r}')
    return _memoryview(buffer)[:n]


def _read_buffer(n):
    return _bytes(_buffer_view(n))


def install(n):
    """Check and compile the label-function source in the first ``n`` bytes of the buffer (UTF-8),
    then execute the predefined API and it into a fresh namespace with fresh builtins. Returns
    ``''``, or the error text that every evaluation of this label function reports."""
    _state['namespace'] = None
    _state['function'] = None
    _state['install_error'] = None
    try:
        source = _read_buffer(n).decode('utf-8')
        tree = _ast.parse(source, LABEL_FUNCTION_FILENAME, 'exec')
        if _state.get('static_policy', True):
            check_policy(tree)
        code = compile(tree, LABEL_FUNCTION_FILENAME, 'exec')
        tree = None
        _approved_code[code] = code
        namespace = {'__builtins__': dict(_state['safe_builtins']), '__name__': 'label_function'}
        exec(_state['api_code'], namespace)
        exec(code, namespace)
        function = namespace.get('label_function')
        if not callable(function):
            raise NameError("the code does not define a function 'label_function'")
    except PolicyError as error:
        _state['install_error'] = _truncate(f'PolicyError: {error}')
    except BaseException as error:  # SyntaxError, errors of top-level code, RecursionError, MemoryError …
        _state['install_error'] = _describe_exception(error)
        error = None
    else:
        _state['namespace'] = namespace
        _state['function'] = function
    return _state['install_error'] or ''


def evaluate(n):
    """Run the installed label function on a fresh decode of the trajectory whose marshal bytes
    are the first ``n`` bytes of the buffer. See :func:`_run` for the return value."""
    if _state['install_error'] is not None:
        return 'exception:' + _state['install_error']
    try:
        view = _buffer_view(n)
        try:
            trajectory = _marshal_loads(view)
        finally:
            view.release()
    except BaseException as error:  # MemoryError on a huge trajectory, ValueError on a bad length
        return 'exception:could not decode the trajectory: ' + _describe_exception(error)
    return _run(trajectory)


def evaluate_json(text):
    """As :func:`evaluate`, for a trajectory passed as JSON text (one too large for the buffer)."""
    if _state['install_error'] is not None:
        return 'exception:' + _state['install_error']
    try:
        trajectory = _json_loads(text)
    except BaseException as error:  # RecursionError on absurd nesting, MemoryError
        return 'exception:could not decode the trajectory: ' + _describe_exception(error)
    return _run(trajectory)


def _run(trajectory):
    """Call ``label_function(trajectory)``. Returns ``2 * (evidence + 1) + result`` for a bool
    result (``evidence + 1`` is 0 when there is no evidence step), else ``'non_bool:<text>'`` or
    ``'exception:<text>'``. The JavaScript side decodes this; it writes the result record."""
    namespace = _state['namespace']
    namespace['_CALLS'] = []
    value = None
    try:
        value = _state['function'](trajectory)
        if _real_type(value) is bool:
            evidence = None
            calls = namespace.get('_CALLS')
            if _real_type(calls) is list:
                evidence = _state['evidence_step'](calls[:MAX_EVIDENCE_RECORDS], value)
                if _real_type(evidence) is not int or not 0 <= evidence <= MAX_STEP_INDEX:
                    evidence = None
            return 2 * (0 if evidence is None else evidence + 1) + (1 if value else 0)
        return 'non_bool:' + _truncate(
            f'label_function returned {_real_type(value).__name__} ({_repr.repr(value)}), not a bool'
        )
    except BaseException as raised:  # SystemExit and KeyboardInterrupt are the function's failures too
        text = _describe_exception(raised)
        raised = None
        return 'exception:' + text
    finally:
        trajectory = None
        value = None
        namespace['_CALLS'] = None
        _gc_collect(0)


def _truncate(text):
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + '…'


_repr = _reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80
_repr.maxlist = 5
_repr.maxdict = 5
_repr.maxtuple = 5


def _describe_exception(error):
    name = _real_type(error).__name__
    try:
        message = str(error)
    except BaseException:  # a broken __str__ is still an exception of this type
        message = '<unprintable>'
    line = None
    if _isinstance(error, SyntaxError) and error.filename == LABEL_FUNCTION_FILENAME:
        line = error.lineno
    else:
        # The traceback's second entry is the label function's own frame (the first is
        # `evaluate`); frames themselves stay out of reach (`tb_frame` is an audited attribute).
        tb = error.__traceback__
        if tb is not None and tb.tb_next is not None:
            line = tb.tb_next.tb_lineno
    error.__traceback__ = None
    text = f'{name}: {message}' if message else name
    if line is not None:
        text += f' (line {line})'
    return _truncate(text)


