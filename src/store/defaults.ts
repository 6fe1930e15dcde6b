/** Where results go unless --db says otherwise (relative to the working directory). */
export const DEFAULT_DB_PATH = 'runs/sfn.db';
