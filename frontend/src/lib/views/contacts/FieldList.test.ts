import { describe, expect, it } from 'vitest'
import { render, screen } from '@testing-library/svelte'
import FieldList from './FieldList.svelte'
import { contactField } from '../../../test/fixtures'

describe('FieldList', () => {
  it('an email that bounced says so under it, in red', () => {
    render(FieldList, {
      fields: [
        contactField({ bounced: 'This address bounced on 9 May 2026 10:02 UTC: mailbox unknown (5.1.1)' }),
        contactField({ id: 'fld_2', value: 'ok@example.com', norm: 'ok@example.com' }),
      ],
    })
    const note = screen.getByText('This address bounced on 9 May 2026 10:02 UTC: mailbox unknown (5.1.1)')
    expect(note).toHaveClass('bounced')
    expect(screen.getAllByText(/bounced on/)).toHaveLength(1)
  })
})
