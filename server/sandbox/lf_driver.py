"""Python half of the label-function runner (see ``label-function-runner.ts`` for the layers).

Loaded into the sandboxed Pyodide interpreter by ``lf-runner.mjs`` (and, unhardened, into native
CPython by ``bench/lf.ts``). The JavaScript side calls, in order:

1. ``setup(api_source)`` — compile the predefined API, pre-import the modules label functions may
   use, build the restricted builtins and read-only module views;
2. ``harden()`` — remove the JavaScript bridges (``js``, ``pyodide_js``, ``pyodide.ffi``, …) from
   ``sys.modules`` and the import system, disable automatic garbage collection and install a
   deny-by-default audit hook (``sys.addaudithook`` cannot be removed);
3. per batch: ``reset()``, ``put_trajectory(id, json_text)``, ``put_label_function(id, source)``,
   then ``evaluate(lf_id, trajectory_id)`` per pair, which returns one JSON object as text. A label
   function is checked and compiled on its first evaluation, so that work runs on that
   evaluation's clock.

The layer here is *Python-level policy*: it is what keeps one label function from poisoning the
state another one sees, and a second line behind the JavaScript and OS layers. It is not trusted to
be a boundary on its own.

* Static policy, checked on the AST before compiling: no ``_``-prefixed attributes (so no dunder
  reflection such as ``__globals__`` / ``__subclasses__``), no frame / generator / traceback / code
  attributes, no attribute assignment or deletion, no ``__``-names other than ``__name__``, no
  functions or classes with ``__`` names other than ``__init__``, and imports only from
  ``ALLOWED_IMPORTS``.
* Runtime: builtins without ``eval``, ``exec``, ``compile``, ``open``, ``getattr`` / ``setattr`` /
  ``delattr``, ``vars``, ``globals``, ``locals``, ``input``, ``breakpoint``, ``help``, ``exit``,
  ``quit``, ``memoryview``; ``__import__`` that serves only read-only views of allowed modules;
  ``type`` without its class-creating three-argument form.
* Isolation between evaluations: each evaluation gets a fresh namespace with a fresh copy of the
  builtins, executes the predefined API and the label function into it, and decodes its own copy
  of the trajectory (with the C JSON scanner, so no Python-level state is involved). Afterwards
  the namespace is cleared and the young generation collected, so finalisers of its objects run on
  its own clock.
* Audit hook (deny by default once hardened): only ``compile``, ``builtins.id`` and ``exec`` of
  code objects this driver compiled pass; every other event (``open``, ``import`` of a module not
  already loaded, ``os.*``, ``subprocess.*``, ``socket.*``, ``ctypes.*``, ``sys._getframe``,
  ``gc.get_objects``, ``object.__getattr__`` on restricted attributes, …) raises ``PermissionError``.
"""

import ast as _ast
import builtins as _builtins
import gc as _gc
import json as _json
import json.encoder as _json_encoder
import json.scanner as _json_scanner
import reprlib as _reprlib
import sys as _sys
import time as _time

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

# Events that pass the audit hook after hardening (``exec`` is checked separately).
_ALLOWED_EVENTS = frozenset({'compile', 'builtins.id'})

LABEL_FUNCTION_FILENAME = '<label_function>'
API_FILENAME = '<predefined_api>'
# Longest error / repr text reported for one evaluation.
MAX_ERROR_CHARS = 2000
# Most API-call records read back to compute the evidence step.
MAX_EVIDENCE_RECORDS = 100_000
# Largest evidence step reported (a forged record beyond it reports no evidence).
MAX_STEP_INDEX = 1_000_000

_perf_counter = _time.perf_counter
_encode_json_string = _json_encoder.c_encode_basestring_ascii or _json_encoder.py_encode_basestring_ascii
_scan_json = (_json_scanner.c_make_scanner or _json_scanner.py_make_scanner)(_json.JSONDecoder())
_gc_collect = _gc.collect
_real_type = type
_isinstance = isinstance

_state = {
    'api_code': None,
    'safe_builtins': None,
    'evidence_step': None,
    'hardened': False,
    'collect_after_each': False,
}
_approved_code = {}  # code -> code: the code objects ``exec`` may run after hardening (checked by identity)
_trajectories = {}  # id -> JSON text
_label_functions = {}  # id -> code object, or an error string


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


def _build_module_views():
    for name in ALLOWED_IMPORTS:
        module = _sys.modules[name]
        attrs = {key: value for key, value in vars(module).items() if not key.startswith('_')}
        _module_views[name] = _ReadOnlyModule(name, attrs)
    # ``import collections.abc`` binds ``collections``; its view must lead to the sub-view.
    for name in ALLOWED_IMPORTS:
        if '.' in name:
            parent, _, child = name.rpartition('.')
            object.__getattribute__(_module_views[parent], '_view_attrs')[child] = _module_views[name]


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


def setup(api_source, static_policy=True):
    """Compile the predefined API and prepare builtins and module views. Call once, first."""
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
    isolate_garbage()
    _sys.addaudithook(_make_audit_hook())
    _state['hardened'] = True


def isolate_garbage():
    """Disable automatic garbage collection and collect the young generation after each
    evaluation instead, so every evaluation's cyclic garbage (and its finalisers) is dealt with on
    its own clock. Part of ``harden``; the native benchmark calls it alone."""
    _gc.disable()
    _state['collect_after_each'] = True


# ---------------------------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------------------------


def reset():
    """Forget the trajectories and label functions of the previous batch."""
    _trajectories.clear()
    for entry in _label_functions.values():
        if not _isinstance(entry, str):  # a compiled code object
            _approved_code.pop(entry, None)
    _label_functions.clear()


def put_trajectory(trajectory_id, json_text):
    """Keep a trajectory dict as JSON text; each evaluation decodes its own copy."""
    _trajectories[trajectory_id] = json_text


def put_label_function(lf_id, source):
    """Keep a label function's source; it is checked and compiled on its first evaluation, on
    that evaluation's clock."""
    _label_functions[lf_id] = _Source(source)


class _Source(str):
    """Label-function source not compiled yet (a str subclass, to tell it from error texts)."""


def _compile_label_function(lf_id, source):
    """Check and compile a label function; keep and return the code object or the error text."""
    try:
        tree = _ast.parse(source, LABEL_FUNCTION_FILENAME, 'exec')
        if _state.get('static_policy', True):
            check_policy(tree)
        code = compile(tree, LABEL_FUNCTION_FILENAME, 'exec')
    except PolicyError as error:
        entry = _truncate(f'PolicyError: {error}')
    except BaseException as error:  # SyntaxError, RecursionError on absurd nesting, MemoryError, …
        entry = _describe_exception(error)
    else:
        _approved_code[code] = code
        entry = code
    _label_functions[lf_id] = entry
    return entry


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


def _json_value(value):
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if _real_type(value) is int:
        return str(value)
    if _real_type(value) is float:
        return repr(round(value, 3))
    return _encode_json_string(value)


def _result_json(result, evidence, outcome, error, duration_ms):
    return (
        '{"result":'
        + _json_value(result)
        + ',"evidenceStep":'
        + _json_value(evidence)
        + ',"outcome":'
        + _json_value(outcome)
        + ',"error":'
        + _json_value(error)
        + ',"durationMs":'
        + _json_value(duration_ms)
        + '}'
    )


def _decode_trajectory(text):
    value, end = _scan_json(text, 0)
    return value


def evaluate(lf_id, trajectory_id):
    """Run one label function on one trajectory. Returns the LfEvaluation as JSON text."""
    start = _perf_counter()
    entry = _label_functions.get(lf_id)
    text = _trajectories.get(trajectory_id)
    if entry is None:
        return _result_json(None, None, 'exception', f"unknown label function '{lf_id}'", 0.0)
    if text is None:
        return _result_json(None, None, 'exception', f"unknown trajectory '{trajectory_id}'", 0.0)
    if _real_type(entry) is _Source:
        entry = _compile_label_function(lf_id, entry)
    if _isinstance(entry, str):
        duration_ms = (_perf_counter() - start) * 1000.0
        return _result_json(None, None, 'exception', entry, duration_ms)
    safe_builtins = dict(_state['safe_builtins'])
    namespace = {'__builtins__': safe_builtins, '__name__': 'label_function'}
    outcome = 'ok'
    error = None
    result = None
    evidence = None
    try:
        exec(_state['api_code'], namespace)
        exec(entry, namespace)
        function = namespace.get('label_function')
        if not callable(function):
            raise NameError("the code does not define a function 'label_function'")
        value = function(_decode_trajectory(text))
        if _real_type(value) is bool:
            result = value
            calls = namespace.get('_CALLS')
            if _real_type(calls) is list:
                evidence = _state['evidence_step'](calls[:MAX_EVIDENCE_RECORDS], value)
                if _real_type(evidence) is not int or not 0 <= evidence <= MAX_STEP_INDEX:
                    evidence = None
        else:
            outcome = 'non_bool'
            error = _truncate(
                f'label_function returned {_real_type(value).__name__} ({_repr.repr(value)}), not a bool'
            )
        value = None
    except BaseException as raised:  # SystemExit and KeyboardInterrupt are the function's failures too
        outcome = 'exception'
        error = _describe_exception(raised)
        raised = None
    finally:
        namespace.clear()
        safe_builtins.clear()
        if _state['collect_after_each']:
            _gc_collect(0)
    duration_ms = (_perf_counter() - start) * 1000.0
    return _result_json(result, evidence, outcome, error, duration_ms)
