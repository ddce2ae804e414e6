/** Runs once when the Next server starts: opens the database and applies pending migrations. */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { getAppServices } = await import('@/server/app-services');
    getAppServices();
  }
}
