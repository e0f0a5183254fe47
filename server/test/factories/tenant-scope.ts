import type { DeepPartial, EntityTarget, ObjectLiteral } from 'typeorm';
import { dataSourceOf, FactoryTarget } from './user.factory';

/** Saves one row of `tenantId` inside that tenant's row-level-security scope, as the app would. */
export function saveAsTenant<T extends ObjectLiteral>(
  target: FactoryTarget,
  tenantId: string,
  entity: EntityTarget<T>,
  fields: DeepPartial<T>,
): Promise<T> {
  return dataSourceOf(target).transaction(async (em) => {
    await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
    const repo = em.getRepository(entity);
    return repo.save(repo.create(fields));
  });
}
