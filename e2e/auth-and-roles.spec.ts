import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

test('signed-out visitors are sent to sign-in and come back after signing in', async ({ page }) => {
  await page.goto('/tasks');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Ftasks/);
  await page.getByLabel('Email').fill('pi@e2e.test');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await signIn(page, 'pi');
});

test('an annotator gets 403 where only a PI may act', async ({ page, baseURL }) => {
  await signIn(page, 'annotator');
  // The navigation does not offer what the role may not do.
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }),
  ).toHaveCount(0);
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }),
  ).toHaveCount(0);
  // The pages say no …
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(page.getByText('403')).toBeVisible();
  await page.goto('/import');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  // … and so do the API and the upload route.
  const list = await page.request.get('/api/trpc/users.list');
  expect(list.status()).toBe(403);
  // (Sent with the dashboard's own Origin, so that the role is what refuses it.)
  const upload = await page.request.post('/api/import', {
    headers: { origin: new URL(baseURL!).origin },
    multipart: { format: 'webvoyager' },
  });
  expect(upload.status()).toBe(403);
  expect(await upload.text()).toContain('researcher');
});

test('signed-out API calls get 401', async ({ request, baseURL }) => {
  expect((await request.get('/api/trpc/tasks.list?input=%7B%22json%22%3A%7B%7D%7D')).status()).toBe(401);
  expect((await request.get('/api/media/' + 'a'.repeat(64))).status()).toBe(401);
  const origin = new URL(baseURL!).origin;
  expect(
    (
      await request.post('/api/import', { headers: { origin }, multipart: { format: 'webvoyager' } })
    ).status(),
  ).toBe(401);
});

test('sign-up refuses a weak password with the reason', async ({ page }) => {
  // The first account exists, so /sign-up needs an invitation: make one as the PI.
  await signIn(page, 'pi');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  const email = `weak-${Date.now()}@e2e.test`;
  await page.getByLabel('Invitee email').fill(email);
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const href = await page.getByRole('textbox', { name: 'Invitation link' }).inputValue();
  const context = await page.context().browser()!.newContext();
  const invitee = await context.newPage();
  await invitee.goto(href.slice(href.indexOf('/sign-up')));
  await invitee.getByLabel('Name').fill('Weak Password');
  await invitee.getByLabel('Password').fill('password1');
  await invitee.getByRole('button', { name: 'Create account' }).click();
  await expect(invitee.getByText(/too easy to guess/)).toBeVisible();
  await invitee.getByLabel('Password').fill('velvet granite tundra');
  await invitee.getByRole('button', { name: 'Create account' }).click();
  await expect(invitee.getByTestId('current-user')).toContainText(email);
  await context.close();
});

test('a PI sees the users page with every role', async ({ page }) => {
  await signIn(page, 'pi');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  const accounts = page.getByRole('table', { name: 'Accounts' });
  await expect(accounts.getByRole('cell', { name: 'annotator@e2e.test' })).toBeVisible();
  await expect(accounts.getByRole('cell', { name: 'researcher@e2e.test' })).toBeVisible();
  await expect(accounts.getByRole('combobox', { name: 'Role of researcher@e2e.test' })).toHaveValue(
    'researcher',
  );
});
