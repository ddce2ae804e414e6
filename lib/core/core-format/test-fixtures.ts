/**
 * CORE pipeline files as the reference pipeline's Python writes them (`json.dump(obj, f, indent=4)`,
 * default `ensure_ascii=True`), for the format tests. Generated with CPython's `json` module, so the
 * texts are byte-for-byte what Python writes. Realistic content: an Android timer task (linear
 * graph), a recipe search whose merged graph has a cycle (7 ⇄ 8), and a task whose graph carries
 * sentinel entries and a branch; non-ASCII text escaped as Python does.
 */
import { ImportFormatError } from '@/lib/core/errors';

/** Runs `fn` and returns the ImportFormatError it throws (tests); fails when it throws none. */
export function catchImportFormatError(fn: () => unknown): ImportFormatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ImportFormatError) return error;
    throw error;
  }
  throw new Error('expected an ImportFormatError');
}

/** `key_nodes.json` */
export const KEY_NODES_TEXT = String.raw`[
    {
        "id": "1",
        "description": "Open an app named 'Clock'.",
        "label_function": "def label_function(trajectory):\n    return validate_open_app(trajectory, 'Clock')\n"
    },
    {
        "id": "2",
        "description": "Click on a UI element 'Timer' on the screen.",
        "label_function": "def label_function(trajectory):\n    return validate_click(trajectory, 'button', 'Timer')\n"
    },
    {
        "id": "3",
        "description": "Type text '5' into the 'Minutes'",
        "label_function": "def label_function(trajectory):\n    return validate_type_action(trajectory, '5', 'Minutes')\n"
    },
    {
        "id": "4",
        "description": "Click on a UI element 'Start' on the screen.",
        "label_function": "def label_function(trajectory):\n    return validate_click(trajectory, 'button', 'Start')\n"
    },
    {
        "id": "5",
        "description": "Set the task's status as 'complete'.",
        "label_function": "def label_function(trajectory):\n    return validate_status(trajectory, 'complete')\n"
    },
    {
        "id": "6",
        "description": "Type text 'cr\u00e8me br\u00fbl\u00e9e' into the 'Search in ALL RECIPES'",
        "label_function": "def label_function(trajectory):\n    return validate_type_action(trajectory, 'cr\u00e8me br\u00fbl\u00e9e', 'Search')\n"
    },
    {
        "id": "7",
        "description": "Scroll down on the screen.",
        "label_function": "def label_function(trajectory):\n    return validate_scroll(trajectory, 'down')\n"
    },
    {
        "id": "8",
        "description": "Navigate to the home screen.",
        "label_function": "def label_function(trajectory):\n    return validate_navigate_home(trajectory)\n"
    },
    {
        "id": "9",
        "description": "Answer user's question with text: '42 minutes'",
        "label_function": "def label_function(trajectory):\n    return validate_answer(trajectory, '42')\n"
    }
]`;

/** `tasks.json` */
export const TASKS_TEXT = String.raw`{
    "ClockTimerEntry": {
        "objective": "Create a timer of 5 minutes and start it.",
        "template": "Create a timer of {minutes} minutes and start it.",
        "key_nodes": {
            "1": {
                "parent_node_id": [
                    "0"
                ],
                "child_node_id": [
                    "2"
                ]
            },
            "2": {
                "parent_node_id": [
                    "1"
                ],
                "child_node_id": [
                    "3"
                ]
            },
            "3": {
                "parent_node_id": [
                    "2"
                ],
                "child_node_id": [
                    "4"
                ]
            },
            "4": {
                "parent_node_id": [
                    "3"
                ],
                "child_node_id": [
                    "5"
                ]
            },
            "5": {
                "parent_node_id": [
                    "4"
                ],
                "child_node_id": [
                    "-1"
                ]
            }
        }
    },
    "RecipeSearch": {
        "objective": "Search for cr\u00e8me br\u00fbl\u00e9e recipes and report the cooking time.",
        "template": null,
        "params": {
            "dish": "cr\u00e8me br\u00fbl\u00e9e"
        },
        "key_nodes": {
            "6": {
                "parent_node_id": [
                    "0"
                ],
                "child_node_id": [
                    "7",
                    "9"
                ]
            },
            "7": {
                "parent_node_id": [
                    "6",
                    "8"
                ],
                "child_node_id": [
                    "9",
                    "8"
                ]
            },
            "8": {
                "parent_node_id": [
                    "7"
                ],
                "child_node_id": [
                    "7"
                ]
            },
            "9": {
                "parent_node_id": [
                    "6",
                    "7"
                ],
                "child_node_id": [
                    "-1"
                ]
            }
        }
    },
    "ExpenseDelete": {
        "objective": "Delete the expenses 'Coffee' and 'Taxi'.",
        "template": "",
        "key_nodes": {
            "0": {
                "parent_node_id": [],
                "child_node_id": [
                    "1",
                    "8"
                ]
            },
            "1": {
                "parent_node_id": [
                    "0"
                ],
                "child_node_id": [
                    "2",
                    "-1"
                ]
            },
            "2": {
                "parent_node_id": [
                    "1",
                    "8"
                ],
                "child_node_id": [
                    "-1"
                ]
            },
            "8": {
                "parent_node_id": [
                    "0"
                ],
                "child_node_id": [
                    "2"
                ]
            },
            "-1": {
                "parent_node_id": [
                    "1",
                    "2"
                ],
                "child_node_id": []
            }
        },
        "iteration": 2
    }
}`;

/** `label_function_results.json` */
export const LABEL_FUNCTION_RESULTS_TEXT = String.raw`[
    {
        "time": "2025-03-14 10:22:31",
        "type": "before",
        "metrics": {
            "TP": 41,
            "TN": 37,
            "FP": 6,
            "FN": 16,
            "accuracy": 0.78,
            "precision": 0.8723404255319149,
            "recall": 0.7192982456140351,
            "f1": 0.7884615384615384
        }
    },
    {
        "time": "2025-03-14 11:05:02",
        "type": "after",
        "metrics": {
            "TP": 50,
            "TN": 36,
            "FP": 7,
            "FN": 7,
            "accuracy": 0.86,
            "precision": 0.8771929824561403,
            "recall": 0.8771929824561403,
            "f1": 0.8771929824561403
        }
    }
]`;

/** `intents_new.json` */
export const INTENTS_TEXT = String.raw`{
    "ClockTimerEntry": {
        "0": "Open the Clock app and view the alarms.",
        "3": "Set a 10-minute timer without starting it."
    },
    "RecipeSearch": {
        "1": "Find a recipe for cr\u00e8me caramel."
    }
}`;
