import { add } from './util';
import { Base, Runner } from './base';

export class App extends Base implements Runner {
  run(): number {
    return add(1, 2);
  }
}

const start = (app: App) => app.run();
