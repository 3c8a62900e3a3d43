import { run } from '../orchestration/run';

void run('restore');
