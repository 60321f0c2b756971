// Runs in every Vitest file. Vant components start short timers after mounting (NavBar measures
// itself 100-300 ms later); letting them fire before the file's environment is torn down keeps
// them from failing as unhandled "window is not defined" errors.
import { afterAll } from 'vitest'

afterAll(() => new Promise<void>((resolve) => setTimeout(resolve, 350)))
