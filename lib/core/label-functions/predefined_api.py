"""The predefined API of CORE label functions.

A label function is Python source defining ``label_function(trajectory) -> bool`` that checks one
key step of a task through the functions below. ``trajectory`` is the trajectory dict documented in
``lib/core/label-functions/trajectory-dict.ts``: ``objective``, ``template``, ``params``,
``environment``, ``steps`` (dicts with ``index``, ``url``, ``title``, ``action``,
``action_description``, ``thought``, ``elements``), the parallel lists ``action_description``,
``action_output_raw``, ``element_lists``, and ``final_answer`` / ``final_state``.

Example::

    def label_function(trajectory):
        return validate_type_action(trajectory, 'climate change data visualization', None) and \\
            validate_click(trajectory, None, 'Most stars')

Matching rules shared by every function
---------------------------------------
* Texts (element names, typed text, answers, app names, page text, URLs) are compared after
  :func:`normalize_text`: Unicode NFKC, zero-width characters removed, case folded, every run of
  whitespace collapsed to one space, trimmed. A needle matches when its normalised form is
  *contained* in the normalised haystack (``'most stars'`` matches ``'Sort by: Most stars'``).
* ``None`` or an empty string as a needle matches anything (``role=None`` accepts every role).
* Roles are compared for equality after :func:`normalize_role`, which maps tags, ARIA roles and
  Android widget classes onto one name (``a`` / ``link`` → ``link``; ``input`` / ``textarea`` /
  ``textbox`` / ``searchbox`` / ``combobox`` / ``EditText`` → ``textbox``; ``button`` /
  ``android.widget.Button`` / ``ImageButton`` → ``button``; others lower-cased as they are).
* An action's target name is ``action['element_name']``; when that is empty, the name of the
  element with the same id in the step's ``elements`` is used. An action whose target name is
  unknown never matches a non-empty ``name`` / ``field``.
* Web and Android action kinds are both understood: ``go_back`` (WebVoyager ``GoBack``) and
  ``navigate_back`` (Android) are both "navigate back", ``google`` is WebVoyager's jump to Google,
  ``status`` is Android's task status, ``answer`` is both WebVoyager ``ANSWER`` and Android
  ``answer``.

Evidence step
-------------
Every ``validate_*`` call records which step it matched first (its 0-based ``index``), or ``None``
when it did not match. The *evidence step* of a label-function run is the largest matched step over
the calls that returned ``True`` — the step by which all of its successful checks had matched. It
is ``None`` when the function did not return ``True`` or when no successful call matched a step
(e.g. it only inspected ``trajectory`` by hand, or negated a failing check). The runner reads it
after every run; label functions need not do anything for it.
"""

import re as _re
import unicodedata as _unicodedata

# (function name, first matched step index or None, returned bool) for each API call of this run.
_CALLS = []

_ZERO_WIDTH = _re.compile('[\u200b-\u200f\u2060\ufeff]')
_WHITESPACE = _re.compile(r'\s+')

_ROLE_ALIASES = {
    'a': 'link',
    'link': 'link',
    'hyperlink': 'link',
    'input': 'textbox',
    'textarea': 'textbox',
    'textbox': 'textbox',
    'searchbox': 'textbox',
    'combobox': 'textbox',
    'edittext': 'textbox',
    'autocompletetextview': 'textbox',
    'text field': 'textbox',
    'textfield': 'textbox',
    'button': 'button',
    'btn': 'button',
    'imagebutton': 'button',
    'img': 'image',
    'image': 'image',
    'imageview': 'image',
    'checkbox': 'checkbox',
    'switch': 'switch',
    'select': 'combobox-select',
    'option': 'option',
    'menuitem': 'menuitem',
    'tab': 'tab',
    'textview': 'text',
    'statictext': 'text',
    'text': 'text',
}

_ENTER_KEYS = ('enter', 'return', 'kp_enter', 'keycode_enter', 'numpadenter')
_STATUS_ALIASES = {
    'complete': 'complete',
    'completed': 'complete',
    'success': 'complete',
    'successful': 'complete',
    'done': 'complete',
    'finished': 'complete',
    'infeasible': 'infeasible',
    'impossible': 'infeasible',
    'fail': 'infeasible',
    'failed': 'infeasible',
}


def _record(name, step, ok):
    _CALLS.append((name, step, ok))
    return ok


# ---------------------------------------------------------------------------------------------
# Helpers (public: label functions may use them too)
# ---------------------------------------------------------------------------------------------


def normalize_text(text):
    """Normalise a text for matching.

    Args:
        text: any value; ``None`` becomes ``''`` and non-strings are converted with ``str``.

    Returns:
        The text in Unicode NFKC form, without zero-width characters (U+200B–U+200F, U+2060,
        U+FEFF), case folded, with every run of whitespace replaced by one space, trimmed.

    Examples:
        >>> normalize_text('  Sort by:\\n Most   Stars ')
        'sort by: most stars'
        >>> normalize_text(None)
        ''
    """
    if text is None:
        return ''
    if not isinstance(text, str):
        text = str(text)
    text = _unicodedata.normalize('NFKC', text)
    text = _ZERO_WIDTH.sub('', text)
    return _WHITESPACE.sub(' ', text.casefold()).strip()


def text_contains(haystack, needle):
    """Whether ``needle`` occurs in ``haystack`` after :func:`normalize_text`.

    Args:
        haystack: the text searched (``None`` counts as ``''``).
        needle: the text looked for; ``None`` or ``''`` matches anything.

    Returns:
        ``True`` when the normalised needle is a substring of the normalised haystack.

    Examples:
        >>> text_contains('Sort by: Most stars', 'most STARS')
        True
        >>> text_contains('Sort by: Best match', 'most stars')
        False
        >>> text_contains(None, None)
        True
    """
    wanted = normalize_text(needle)
    if wanted == '':
        return True
    return wanted in normalize_text(haystack)


def normalize_role(role):
    """Map an element role, tag or Android widget class onto one canonical name.

    Args:
        role: e.g. ``'a'``, ``'link'``, ``'INPUT'``, ``'android.widget.EditText'``; ``None`` → ``''``.

    Returns:
        ``'link'`` for links, ``'textbox'`` for text inputs, ``'button'`` for buttons, ``'image'``
        for images, ``'text'`` for static text; any other role lower-cased and trimmed. For a
        dotted class name only the last part counts (``android.widget.Button`` → ``button``).

    Examples:
        >>> normalize_role('a') == normalize_role('link')
        True
        >>> normalize_role('android.widget.EditText')
        'textbox'
    """
    value = normalize_text(role)
    if '.' in value:
        value = value.rsplit('.', 1)[1]
    return _ROLE_ALIASES.get(value, value)


def role_matches(actual, wanted):
    """Whether an element's role ``actual`` satisfies the requested ``wanted`` role.

    ``wanted`` ``None`` or ``''`` matches any role (also an unknown one); otherwise both sides go
    through :func:`normalize_role` and must be equal.

    Examples:
        >>> role_matches('a', 'link')
        True
        >>> role_matches(None, None)
        True
        >>> role_matches('button', 'link')
        False
    """
    if normalize_text(wanted) == '':
        return True
    return normalize_role(actual) == normalize_role(wanted)


def get_steps(trajectory):
    """The list of step dicts of ``trajectory`` (``[]`` when absent or not a list)."""
    steps = trajectory.get('steps') if isinstance(trajectory, dict) else None
    return steps if isinstance(steps, list) else []


def get_action(step):
    """The action dict of a step (``{}`` when absent)."""
    action = step.get('action') if isinstance(step, dict) else None
    return action if isinstance(action, dict) else {}


def _step_index(step, position):
    index = step.get('index') if isinstance(step, dict) else None
    return index if isinstance(index, int) and not isinstance(index, bool) else position


def _action_type(action):
    return normalize_text(action.get('type'))


def target_name(step):
    """The name of the element a step's action targets.

    ``action['element_name']`` when not empty, else the ``name`` of the element in
    ``step['elements']`` whose ``id`` equals ``action['element_id']``, else ``''``.
    """
    action = get_action(step)
    name = action.get('element_name')
    if isinstance(name, str) and name.strip() != '':
        return name
    element = _find_element(step, action.get('element_id'))
    return element.get('name') or '' if element else ''


def target_role(step):
    """The role of the element a step's action targets (``action['element_role']``, else the
    element's ``role`` from ``step['elements']``, else ``None``)."""
    action = get_action(step)
    role = action.get('element_role')
    if isinstance(role, str) and role.strip() != '':
        return role
    element = _find_element(step, action.get('element_id'))
    return element.get('role') if element else None


def _find_element(step, element_id):
    if element_id is None or not isinstance(step, dict):
        return None
    elements = step.get('elements')
    if not isinstance(elements, list):
        return None
    wanted = str(element_id)
    for element in elements:
        if isinstance(element, dict) and str(element.get('id')) == wanted:
            return element
    return None


def _first_step(trajectory, predicate):
    """Index of the first step whose (step, action) satisfies ``predicate``, else None."""
    for position, step in enumerate(get_steps(trajectory)):
        if not isinstance(step, dict):
            continue
        if predicate(step, get_action(step)):
            return _step_index(step, position)
    return None


def _check(name, trajectory, predicate):
    step = _first_step(trajectory, predicate)
    return _record(name, step, step is not None)


def _target_matches(step, role, name):
    if not role_matches(target_role(step), role):
        return False
    if normalize_text(name) == '':
        return True
    return text_contains(target_name(step), name)


# ---------------------------------------------------------------------------------------------
# Element actions
# ---------------------------------------------------------------------------------------------


def validate_click(trajectory, role=None, name=None):
    """Check that the agent clicked (tapped) an element with the given role and name.

    Args:
        trajectory: the trajectory dict.
        role: element role or tag (``'button'``, ``'link'``, ``'a'``, ``'textbox'``,
            ``'android.widget.Button'``, …); ``None`` accepts any role.
        name: text contained in the element's accessible name / visible text; ``None`` accepts
            any element.

    Matching: a step whose ``action['type']`` is ``'click'`` and whose target element satisfies
    :func:`role_matches` for ``role`` and contains ``name`` (:func:`text_contains`; the target name
    comes from :func:`target_name`). Long presses and hovers are not clicks (see
    :func:`validate_long_press`).

    Returns:
        ``True`` when such a step exists; records the first one as this call's matched step.

    Examples:
        >>> validate_click(trajectory, None, 'Most stars')      # Click [52] on "Most stars"
        True
        >>> validate_click(trajectory, 'button', 'sort by')     # <button> "Sort by: Best match"
        True
        >>> validate_click(trajectory, 'link', 'Most stars')    # the clicked element has no role 'link'
        False
    """

    def predicate(step, action):
        return _action_type(action) == 'click' and _target_matches(step, role, name)

    return _check('validate_click', trajectory, predicate)


def validate_long_press(trajectory, role=None, name=None):
    """Check that the agent long-pressed an element (Android ``long_press``).

    Args and matching as :func:`validate_click`, for steps whose ``action['type']`` is
    ``'long_press'``.

    Examples:
        >>> validate_long_press(trajectory, None, 'Alarm 7:00')
        True
    """

    def predicate(step, action):
        return _action_type(action) == 'long_press' and _target_matches(step, role, name)

    return _check('validate_long_press', trajectory, predicate)


def validate_type_action(trajectory, text, field=None):
    """Check that the agent typed ``text`` into the field named ``field``.

    Args:
        trajectory: the trajectory dict.
        text: text contained in what was typed (``action['text']``); ``None`` accepts any text.
        field: text contained in the target field's name (e.g. its label or placeholder such as
            ``'Search Amazon'``); ``None`` accepts any field, including an unnamed one.

    Matching: a step whose ``action['type']`` is ``'type'`` (Android ``input_text`` imports as
    ``type``), whose typed text contains ``text`` and whose target name contains ``field``, all by
    :func:`text_contains`. Containment means typing ``'baked salmon recipe'`` satisfies
    ``text='Baked Salmon'``.

    Returns:
        ``True`` when such a step exists; the first one is the matched step.

    Examples:
        >>> validate_type_action(trajectory, 'climate change data visualization', None)
        True
        >>> validate_type_action(trajectory, 'xbox controller', 'search amazon')
        False   # typed 'green Xbox Wireless controller 4 stars': 'xbox controller' is not a substring
    """

    def predicate(step, action):
        if _action_type(action) != 'type' or not text_contains(action.get('text'), text):
            return False
        return normalize_text(field) == '' or text_contains(target_name(step), field)

    return _check('validate_type_action', trajectory, predicate)


def validate_keyboard_enter_action(trajectory):
    """Check that the agent pressed Enter (submitted a form or a search).

    Args:
        trajectory: the trajectory dict.

    Matching: a ``'key_press'`` step whose ``key`` is Enter (``Enter``, ``Return``, ``KP_Enter``,
    ``KEYCODE_ENTER``, case-insensitive; Android ``keyboard_enter`` imports as ``key_press``
    ``Enter``), or a ``'type'`` step that submits: ``action['press_enter']`` is true (web harnesses
    press Enter after typing) or the typed text ends with a newline.

    Returns:
        ``True`` when such a step exists; the first one is the matched step.

    Examples:
        >>> validate_keyboard_enter_action(trajectory)   # WebVoyager: Type [0]; climate change …
        True
    """

    def predicate(step, action):
        kind = _action_type(action)
        if kind == 'key_press':
            return normalize_text(action.get('key')).replace(' ', '_') in _ENTER_KEYS
        if kind == 'type':
            typed = action.get('text')
            return action.get('press_enter') is True or (isinstance(typed, str) and typed.endswith('\n'))
        return False

    return _check('validate_keyboard_enter_action', trajectory, predicate)


def validate_key_press(trajectory, key):
    """Check that the agent pressed the key ``key``.

    Args:
        trajectory: the trajectory dict.
        key: key name, e.g. ``'Enter'``, ``'Escape'``, ``'ctrl+a'`` (case-insensitive, whitespace
            ignored; ``'Return'`` counts as ``'Enter'``).

    Matching: a ``'key_press'`` step whose normalised ``key`` equals the normalised ``key``
    argument. Submitting by typing does not count here (see
    :func:`validate_keyboard_enter_action`).

    Examples:
        >>> validate_key_press(trajectory, 'Enter')
        True
    """

    def canonical(value):
        value = normalize_text(value).replace(' ', '')
        return 'enter' if value in _ENTER_KEYS else value

    wanted = canonical(key)

    def predicate(step, action):
        return _action_type(action) == 'key_press' and canonical(action.get('key')) == wanted

    return _check('validate_key_press', trajectory, predicate)


def validate_scroll(trajectory, direction=None, name=None):
    """Check that the agent scrolled in ``direction``.

    Args:
        trajectory: the trajectory dict.
        direction: ``'up'``, ``'down'``, ``'left'`` or ``'right'`` (case-insensitive); ``None``
            accepts any direction.
        name: text contained in the name of the scrolled element; ``None`` accepts a whole-window
            scroll as well as any element.

    Matching: a ``'scroll'`` step whose ``direction`` equals ``direction`` and whose target
    contains ``name``. Note that Android's ``scroll`` direction is the direction the content
    moves as the reference pipeline records it; it is compared as given.

    Examples:
        >>> validate_scroll(trajectory, 'down')    # WebVoyager: Scroll [WINDOW]; down
        True
        >>> validate_scroll(trajectory, 'left')
        False
    """

    def predicate(step, action):
        if _action_type(action) != 'scroll':
            return False
        if normalize_text(direction) != '' and normalize_text(action.get('direction')) != normalize_text(
            direction
        ):
            return False
        return normalize_text(name) == '' or text_contains(target_name(step), name)

    return _check('validate_scroll', trajectory, predicate)


# ---------------------------------------------------------------------------------------------
# Apps and navigation
# ---------------------------------------------------------------------------------------------


def validate_open_app(trajectory, app_name):
    """Check that the agent opened the app ``app_name`` (Android ``open_app``).

    Args:
        trajectory: the trajectory dict.
        app_name: text contained in the opened app's name, e.g. ``'Clock'``; ``None`` accepts any
            app.

    Matching: an ``'open_app'`` step whose ``action['app']`` contains ``app_name``
    (:func:`text_contains`; ``'clock'`` matches ``'Clock'``, ``'Simple Calendar'`` does not match
    ``'Calendar Pro'``).

    Examples:
        >>> validate_open_app(trajectory, 'Clock')
        True
    """

    def predicate(step, action):
        return _action_type(action) == 'open_app' and text_contains(action.get('app'), app_name)

    return _check('validate_open_app', trajectory, predicate)


def validate_navigate_back(trajectory):
    """Check that the agent navigated back (WebVoyager ``GoBack`` / ``go_back``, Android
    ``navigate_back``).

    Examples:
        >>> validate_navigate_back(trajectory)
        False   # the trajectory never went back
    """

    def predicate(step, action):
        return _action_type(action) in ('go_back', 'navigate_back')

    return _check('validate_navigate_back', trajectory, predicate)


def validate_navigate_home(trajectory):
    """Check that the agent went to the home screen (Android ``navigate_home``).

    Examples:
        >>> validate_navigate_home(trajectory)
        True
    """

    def predicate(step, action):
        return _action_type(action) == 'navigate_home'

    return _check('validate_navigate_home', trajectory, predicate)


def validate_navigate_google(trajectory):
    """Check that the agent jumped to the Google search page (WebVoyager's ``Google`` action).

    A ``goto`` to a URL containing ``google.`` counts as well.

    Examples:
        >>> validate_navigate_google(trajectory)
        True
    """

    def predicate(step, action):
        kind = _action_type(action)
        return kind == 'google' or (kind == 'goto' and 'google.' in normalize_text(action.get('url')))

    return _check('validate_navigate_google', trajectory, predicate)


def validate_goto_url(trajectory, url):
    """Check that the agent navigated to a URL containing ``url`` (WebArena ``goto``).

    Args:
        trajectory: the trajectory dict.
        url: text contained in the target URL (case-insensitive); ``None`` accepts any ``goto``.

    Examples:
        >>> validate_goto_url(trajectory, '/admin/sales/order')
        True
    """

    def predicate(step, action):
        return _action_type(action) == 'goto' and text_contains(action.get('url'), url)

    return _check('validate_goto_url', trajectory, predicate)


def validate_url_contains(trajectory, text):
    """Check that the agent was on (or navigated to) a page whose URL contains ``text``.

    Args:
        trajectory: the trajectory dict.
        text: text contained in the URL, case-insensitive, e.g. ``'github.com/search'`` or
            ``'s=stars'``.

    Matching: a step whose observed ``url`` contains ``text`` (the page *before* that step's
    action), or whose ``goto`` action targets such a URL. Trajectories whose harness did not record
    URLs (WebVoyager runs) never match, unless a ``goto`` does.

    Examples:
        >>> validate_url_contains(trajectory, 'o=desc&s=stars')
        True
    """

    def predicate(step, action):
        if text_contains(step.get('url'), text) and normalize_text(step.get('url')) != '':
            return True
        return _action_type(action) == 'goto' and text_contains(action.get('url'), text)

    return _check('validate_url_contains', trajectory, predicate)


# ---------------------------------------------------------------------------------------------
# Observations, answers and status
# ---------------------------------------------------------------------------------------------


def validate_page_text(trajectory, text):
    """Check that some observation showed ``text``.

    Args:
        trajectory: the trajectory dict.
        text: text looked for; ``None`` or ``''`` matches the first step.

    Matching: the first step ``i`` where ``text`` is contained (:func:`text_contains`) in the
    step's ``title``, in the ``name`` of one of its ``elements``, or in ``element_lists[i]`` (the
    element list / accessibility tree as text). Observation ``i`` is what the agent saw *before*
    action ``i``.

    Examples:
        >>> validate_page_text(trajectory, 'resource-watch')   # listed in the search results
        True
    """
    element_lists = trajectory.get('element_lists') if isinstance(trajectory, dict) else None
    if not isinstance(element_lists, list):
        element_lists = []
    steps = get_steps(trajectory)
    for position, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        found = text_contains(step.get('title'), text)
        if not found and position < len(element_lists):
            found = text_contains(element_lists[position], text)
        if not found:
            elements = step.get('elements')
            if isinstance(elements, list):
                for element in elements:
                    if isinstance(element, dict) and text_contains(element.get('name'), text):
                        found = True
                        break
        if found:
            return _record('validate_page_text', _step_index(step, position), True)
    return _record('validate_page_text', None, False)


def validate_answer(trajectory, text):
    """Check that the agent's answer contains ``text``.

    Args:
        trajectory: the trajectory dict.
        text: expected answer text, e.g. ``'resource-watch'`` or ``'$14'``; ``None`` accepts any
            answer.

    Matching: normalised containment (:func:`text_contains`) in the ``answer`` of an ``'answer'``
    step (WebVoyager ``ANSWER``, Android ``answer``); the first such step is the matched step.
    Otherwise ``trajectory['final_answer']`` is tried, and the matched step is the last step. An
    empty answer never matches a non-empty ``text``.

    Examples:
        >>> validate_answer(trajectory, 'resource-watch')   # ANSWER; resource-watch/resource-watch …
        True
        >>> validate_answer(trajectory, 'RESOURCE-WATCH with 63 stars')
        True
        >>> validate_answer(trajectory, 'climate-watch')
        False
    """

    def predicate(step, action):
        return _action_type(action) == 'answer' and text_contains(action.get('answer'), text)

    step = _first_step(trajectory, predicate)
    if step is not None:
        return _record('validate_answer', step, True)
    final_answer = trajectory.get('final_answer') if isinstance(trajectory, dict) else None
    if isinstance(final_answer, str) and text_contains(final_answer, text):
        steps = get_steps(trajectory)
        last = _step_index(steps[-1], len(steps) - 1) if steps else None
        return _record('validate_answer', last, True)
    return _record('validate_answer', None, False)


def validate_task_status(trajectory, status='complete'):
    """Check that the agent set the task's status to ``status``.

    Args:
        trajectory: the trajectory dict.
        status: ``'complete'`` (default; aliases ``completed``, ``success``, ``done``,
            ``finished``) or ``'infeasible'`` (aliases ``impossible``, ``fail``, ``failed``).

    Matching: a ``'status'`` step (Android ``status`` with ``goal_status``) whose status has the
    same canonical value. On the web, where agents end a task by answering (WebVoyager
    ``ANSWER``, WebArena ``stop``), an ``'answer'`` step counts as ``'complete'``.

    Examples:
        >>> validate_task_status(trajectory, 'complete')
        True
        >>> validate_task_status(trajectory, 'infeasible')
        False
    """

    def canonical(value):
        value = normalize_text(value)
        return _STATUS_ALIASES.get(value, value)

    wanted = canonical(status)

    def predicate(step, action):
        kind = _action_type(action)
        if kind == 'status':
            return canonical(action.get('status')) == wanted
        return kind == 'answer' and wanted == 'complete'

    return _check('validate_task_status', trajectory, predicate)


def validate_action_type(trajectory, action_type):
    """Check that some step's action is of kind ``action_type``.

    Args:
        trajectory: the trajectory dict.
        action_type: one of ``click``, ``type``, ``scroll``, ``wait``, ``go_back``, ``google``,
            ``answer``, ``goto``, ``key_press``, ``hover``, ``open_app``, ``navigate_home``,
            ``navigate_back``, ``long_press``, ``status`` (case-insensitive).

    Examples:
        >>> validate_action_type(trajectory, 'wait')
        False
    """
    wanted = normalize_text(action_type)

    def predicate(step, action):
        return _action_type(action) == wanted

    return _check('validate_action_type', trajectory, predicate)


def evidence_step(calls, result):
    """The evidence step of a run: see the module docstring. Used by the runner.

    Args:
        calls: the ``(name, step, ok)`` records of the run's API calls.
        result: what ``label_function`` returned.

    Returns:
        The largest ``step`` over records with ``ok is True`` and an integer step, when ``result``
        is ``True``; otherwise ``None``.
    """
    if result is not True:
        return None
    best = None
    for record in calls:
        if type(record) is not tuple or len(record) != 3:
            continue
        step, ok = record[1], record[2]
        if ok is True and type(step) is int and (best is None or step > best):
            best = step
    return best
