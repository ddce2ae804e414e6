import { describe, expect, it } from 'vitest';

import { collapseWhitespace, describeAction, UNKNOWN_RAW_MAX_CHARS } from '@/lib/core/step-descriptions';
import { ACTION_TYPES, type ActionType, type StepAction } from '@/lib/core/types';

describe('describeAction: the reference sentences (DESIGN.md › Step descriptions)', () => {
  it('open_app', () => {
    expect(describeAction({ type: 'open_app', app: 'Clock', raw: 'open_app Clock' }, 'android')).toBe(
      "Open an app named 'Clock'.",
    );
  });

  it('click on a named element', () => {
    const action: StepAction = { type: 'click', elementId: '3', elementName: 'Timer', raw: 'click 3' };
    expect(describeAction(action, 'android')).toBe("Click on a UI element 'Timer' on the screen.");
    expect(describeAction(action, 'web')).toBe("Click on a UI element 'Timer' on the screen.");
  });

  it('type into a named field (no final period, as in the reference)', () => {
    const action: StepAction = {
      type: 'type',
      text: 'black garlic',
      elementName: 'Search in ALL RECIPES',
      raw: 'Type [2]; black garlic',
    };
    expect(describeAction(action, 'android')).toBe(
      "Type text 'black garlic' into the 'Search in ALL RECIPES'",
    );
  });

  it('scroll the screen', () => {
    expect(describeAction({ type: 'scroll', direction: 'down', raw: 'Scroll [WINDOW]; down' }, 'web')).toBe(
      'Scroll down on the screen.',
    );
    expect(describeAction({ type: 'scroll', direction: 'up', raw: 'scroll up' }, 'android')).toBe(
      'Scroll up on the screen.',
    );
  });

  it('navigate_home', () => {
    expect(describeAction({ type: 'navigate_home', raw: 'home' }, 'android')).toBe(
      'Navigate to the home screen.',
    );
  });

  it('answer (no final period, as in the reference)', () => {
    expect(describeAction({ type: 'answer', answer: 'It is 5 pm.', raw: 'ANSWER; It is 5 pm.' }, 'web')).toBe(
      "Answer user's question with text: 'It is 5 pm.'",
    );
  });

  it('status', () => {
    expect(describeAction({ type: 'status', status: 'complete', raw: 'status complete' }, 'android')).toBe(
      "Set the task's status as 'complete'.",
    );
    expect(
      describeAction({ type: 'status', status: 'infeasible', raw: 'status infeasible' }, 'android'),
    ).toBe("Set the task's status as 'infeasible'.");
  });
});

describe('describeAction: web and remaining action types', () => {
  it('wait reads the environment', () => {
    expect(describeAction({ type: 'wait', raw: 'Wait' }, 'web')).toBe('Wait for the page to load.');
    expect(describeAction({ type: 'wait', raw: 'wait' }, 'android')).toBe('Wait for the screen to update.');
  });

  it('go_back and navigate_back read the environment', () => {
    expect(describeAction({ type: 'go_back', raw: 'GoBack' }, 'web')).toBe(
      'Navigate back to the previous page.',
    );
    expect(describeAction({ type: 'navigate_back', raw: 'back' }, 'web')).toBe(
      'Navigate back to the previous page.',
    );
    expect(describeAction({ type: 'navigate_back', raw: 'back' }, 'android')).toBe(
      'Navigate back to the previous screen.',
    );
    expect(describeAction({ type: 'go_back', raw: 'back' }, 'android')).toBe(
      'Navigate back to the previous screen.',
    );
  });

  it('google', () => {
    expect(describeAction({ type: 'google', raw: 'Google' }, 'web')).toBe(
      'Navigate to the Google search page.',
    );
  });

  it('goto', () => {
    expect(
      describeAction({ type: 'goto', url: 'https://arxiv.org/', raw: 'goto [https://arxiv.org/]' }, 'web'),
    ).toBe("Navigate to the URL 'https://arxiv.org/'.");
  });

  it('key_press', () => {
    expect(describeAction({ type: 'key_press', key: 'Enter', raw: 'press [Enter]' }, 'web')).toBe(
      "Press the key 'Enter'.",
    );
  });

  it('hover', () => {
    expect(
      describeAction({ type: 'hover', elementId: '12', elementName: 'Account', raw: 'hover [12]' }, 'web'),
    ).toBe("Hover over a UI element 'Account' on the screen.");
    expect(describeAction({ type: 'hover', elementId: '12', raw: 'hover [12]' }, 'web')).toBe(
      "Hover over a UI element 'element [12]' on the screen.",
    );
  });

  it('scroll on an element', () => {
    expect(
      describeAction(
        {
          type: 'scroll',
          elementId: '7',
          elementName: 'Results',
          direction: 'down',
          raw: 'Scroll [7]; down',
        },
        'web',
      ),
    ).toBe("Scroll down on the UI element 'Results'.");
    expect(
      describeAction({ type: 'scroll', elementId: '7', direction: 'up', raw: 'Scroll [7]; up' }, 'web'),
    ).toBe("Scroll up on the UI element 'element [7]'.");
    expect(describeAction({ type: 'scroll', raw: 'Scroll' }, 'web')).toBe('Scroll on the screen.');
    expect(
      describeAction({ type: 'scroll', direction: 'left', point: { x: 5, y: 6 }, raw: 'swipe' }, 'android'),
    ).toBe('Scroll left on the screen.');
  });

  it('long_press', () => {
    expect(
      describeAction(
        { type: 'long_press', elementId: '4', elementName: 'Alarm 7:00', raw: 'long_press 4' },
        'android',
      ),
    ).toBe("Long press on a UI element 'Alarm 7:00' on the screen.");
  });

  it('unknown keeps the raw text, collapsed and cut', () => {
    expect(describeAction({ type: 'unknown', raw: 'Drag  [3]\n to [4]' }, 'web')).toBe(
      "Perform an unrecognized action: 'Drag [3] to [4]'.",
    );
    expect(describeAction({ type: 'unknown', raw: '  \n' }, 'web')).toBe('Perform no recognizable action.');
    const long = describeAction({ type: 'unknown', raw: 'x'.repeat(500) }, 'web');
    expect(long).toBe(`Perform an unrecognized action: '${'x'.repeat(UNKNOWN_RAW_MAX_CHARS)}…'.`);
  });
});

describe('describeAction: targets', () => {
  it('refers to an unnamed element by its set-of-marks label', () => {
    expect(describeAction({ type: 'click', elementId: '5', raw: 'Click [5]' }, 'web')).toBe(
      "Click on a UI element 'element [5]' on the screen.",
    );
    expect(
      describeAction({ type: 'click', elementId: '5', elementName: ' \n', raw: 'Click [5]' }, 'web'),
    ).toBe("Click on a UI element 'element [5]' on the screen.");
    expect(
      describeAction(
        { type: 'type', elementId: '2', text: 'Baked Salmon', raw: 'Type [2]; Baked Salmon' },
        'web',
      ),
    ).toBe("Type text 'Baked Salmon' into the 'element [2]'");
  });

  it('falls back to the pointer position, then to no target', () => {
    expect(
      describeAction({ type: 'click', point: { x: 120.4, y: 339.6 }, raw: 'tap(120, 340)' }, 'android'),
    ).toBe("Click on a UI element 'point (120, 340)' on the screen.");
    expect(describeAction({ type: 'click', raw: 'click' }, 'web')).toBe(
      'Click on a UI element on the screen.',
    );
    expect(describeAction({ type: 'type', text: 'hi', raw: 'type hi' }, 'web')).toBe(
      "Type text 'hi' into the focused element",
    );
  });

  it('collapses whitespace and newlines in every quoted text', () => {
    expect(
      describeAction(
        { type: 'click', elementId: '19', elementName: 'current local\ntime', raw: 'Click [19]' },
        'web',
      ),
    ).toBe("Click on a UI element 'current local time' on the screen.");
    expect(
      describeAction(
        { type: 'answer', answer: 'Top 5:\n1. Life Is Beautiful\n2.  Back to the Future', raw: '' },
        'web',
      ),
    ).toBe("Answer user's question with text: 'Top 5: 1. Life Is Beautiful 2. Back to the Future'");
    expect(
      describeAction({ type: 'type', elementName: 'q', text: '\tblack\n garlic ', raw: '' }, 'web'),
    ).toBe("Type text 'black garlic' into the 'q'");
  });

  it('collapseWhitespace also drops zero-width marks', () => {
    expect(collapseWhitespace('\u200eJavaScript\u200e')).toBe('JavaScript');
    expect(collapseWhitespace('a\u00a0\u00a0b\r\n c')).toBe('a b c');
  });
});

describe('describeAction: every action type', () => {
  const sample: Record<ActionType, StepAction> = {
    click: { type: 'click', elementId: '1', raw: '' },
    type: { type: 'type', elementId: '1', text: 't', raw: '' },
    scroll: { type: 'scroll', direction: 'down', raw: '' },
    wait: { type: 'wait', raw: '' },
    go_back: { type: 'go_back', raw: '' },
    google: { type: 'google', raw: '' },
    answer: { type: 'answer', answer: 'a', raw: '' },
    goto: { type: 'goto', url: 'u', raw: '' },
    key_press: { type: 'key_press', key: 'Enter', raw: '' },
    hover: { type: 'hover', elementId: '1', raw: '' },
    open_app: { type: 'open_app', app: 'Clock', raw: '' },
    navigate_home: { type: 'navigate_home', raw: '' },
    navigate_back: { type: 'navigate_back', raw: '' },
    long_press: { type: 'long_press', elementId: '1', raw: '' },
    status: { type: 'status', status: 'complete', raw: '' },
    unknown: { type: 'unknown', raw: 'x' },
  };

  it.each(ACTION_TYPES.flatMap((type) => (['web', 'android'] as const).map((env) => [type, env] as const)))(
    '%s on %s gives one non-empty line',
    (type, env) => {
      const sentence = describeAction(sample[type], env);
      expect(sentence.length).toBeGreaterThan(0);
      expect(sentence).not.toMatch(/\n/);
      expect(sentence).not.toMatch(/undefined|null/);
    },
  );

  it('gives distinct sentences for distinct action types', () => {
    const sentences = ACTION_TYPES.map((type) => describeAction(sample[type], 'web'));
    // go_back and navigate_back are the same thing said twice (web and Android action spaces).
    expect(new Set(sentences).size).toBe(ACTION_TYPES.length - 1);
  });
});
