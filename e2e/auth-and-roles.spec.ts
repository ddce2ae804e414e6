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

test('an annotator gets 403 where only a PI may act', async ({ page }) => {
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
  const upload = await page.request.post('/api/import', { multipart: { format: 'webvoyager' } });
  expect(upload.status()).toBe(403);
});

test('signed-out API calls get 401', async ({ request }) => {
  expect((await request.get('/api/trpc/tasks.list?input=%7B%22json%22%3A%7B%7D%7D')).status()).toBe(401);
  expect((await request.get('/api/media/' + 'a'.repeat(64))).status()).toBe(401);
  expect((await request.post('/api/import', { multipart: { format: 'webvoyager' } })).status()).toBe(401);
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
