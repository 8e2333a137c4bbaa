// Builds and serves the enrolment page on http://127.0.0.1:8081 (or PORT): `npm run example:enrol`.
import { fileURLToPath } from 'node:url';
import { serve } from '../static-server.mjs';
import { buildEnrolPage, sizeLine } from './build.mjs';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildEnrolPage();
  console.log(sizeLine(built));
  const server = await serve(built.dir, Number(process.env.PORT ?? 8081));
  console.log(`open http://127.0.0.1:${server.address().port}/ (Ctrl-C to stop)`);
}
