export interface Runner {
  run(): number;
}

export class Base {
  name = "base";
}
