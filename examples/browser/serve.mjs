// Serves examples/browser/dist on http://localhost:8080 (or PORT): `npm run example:browser`.
import { fileURLToPath } from 'node:url';
import { serve } from '../static-server.mjs';
import { buildExample } from './build.mjs';

export { serve };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = await buildExample();
  const server = await serve(dir, Number(process.env.PORT ?? 8080));
  console.log(`open http://127.0.0.1:${server.address().port}/ (Ctrl-C to stop)`);
}
