/**
 * The entry point of Tripline's Azure Functions app: the worker loads it (package.json `main` of the
 * bundle built by scripts/build-azure.ts) and it registers the functions the settings ask for.
 */
import { registerFunctions } from './register';

registerFunctions();
